namespace KerasPort.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("usage: keras-port inspect|predict|verify ...");
        return args.Length == 0 ? 2 : 2;
    }
}
