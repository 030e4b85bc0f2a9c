using System.Text.RegularExpressions;

namespace KerasPort.Model.Weights;

/// <summary>Keras 3's object naming, as used for the groups of <c>.weights.h5</c> files.</summary>
internal static partial class KerasNaming
{
    /// <summary>Keras's <c>naming.to_snake_case</c>: <c>SimpleRNN</c> → <c>simple_rnn</c>, <c>LSTMCell</c> → <c>lstm_cell</c>, <c>QDense</c> → <c>q_dense</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        name = NonWord().Replace(name, "");
        name = CapitalWord().Replace(name, "$1_$2");
        name = LowerUpper().Replace(name, "$1_$2");
        return name.ToLowerInvariant();
    }

    /// <summary>
    /// The group names Keras 3's <c>_save_container_state</c> gives a list of objects: the snake-cased class name,
    /// uniquified in order (<c>gru</c>, <c>gru_1</c>…).
    /// </summary>
    public static IReadOnlyList<string> ContainerNames(IEnumerable<string> classNames)
    {
        var used = new Dictionary<string, int>();
        var result = new List<string>();
        foreach (var cls in classNames)
        {
            var name = ToSnakeCase(cls);
            if (used.TryGetValue(name, out var n))
            {
                used[name] = n + 1;
                name = $"{name}_{n + 1}";
            }
            else used[name] = 0;
            result.Add(name);
        }
        return result;
    }

    [GeneratedRegex(@"\W+")]
    private static partial Regex NonWord();

    [GeneratedRegex("(.)([A-Z][a-z]+)")]
    private static partial Regex CapitalWord();

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex LowerUpper();
}
