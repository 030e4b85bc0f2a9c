using System.Numerics;

namespace KerasPort.Compute.Recurrent;

/// <summary>Element-wise activations for the recurrent cells (scalar form).</summary>
internal static class ActivationShim
{
    public static T Apply<T>(in Activation act, T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T one = T.One, zero = T.Zero;
        switch (act.Kind)
        {
            case ActivationKind.Linear: return x;
            case ActivationKind.Tanh: return T.Tanh(x);
            case ActivationKind.Sigmoid: return one / (one + T.Exp(-x));
            case ActivationKind.HardSigmoid: return T.Clamp(T.CreateTruncating(0.2) * x + T.CreateTruncating(0.5), zero, one);
            case ActivationKind.HardSigmoidKeras3: return T.Clamp(x + T.CreateTruncating(3.0), zero, T.CreateTruncating(6.0)) / T.CreateTruncating(6.0);
            case ActivationKind.Relu:
            {
                if (act.Alpha == 0 && act.MaxValue is null && act.Threshold == 0) return T.Max(x, zero);
                T thr = T.CreateTruncating(act.Threshold);
                T y = x >= thr ? x : T.CreateTruncating(act.Alpha) * (x - thr);
                if (act.MaxValue is double mv) y = T.Min(y, T.CreateTruncating(mv));
                return y;
            }
            default:
                throw new NotSupportedException($"activation {act.Kind} is not available in recurrent cells yet");
        }
    }

    public static void Apply<T>(in Activation act, Span<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < x.Length; i++) x[i] = Apply(act, x[i]);
    }
}
