using static KerasPort.Tests.Cli.CliRunner;

namespace KerasPort.Tests.Cli;

/// <summary>Top-level dispatch and usage text.</summary>
public class CliAppTests
{
    [Fact]
    public void Help_ListsAllCommands()
    {
        var r = Run("--help");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("  inspect MODEL... [--config FILE] [--gates] [--json]", r.Stdout);
        Assert.Contains("  predict MODEL --input IN --output OUT [--config FILE] [--dtype float32|float64]", r.Stdout);
        Assert.Contains("  verify MODEL --reference REF [--config FILE] [--tolerance X] [--dtype float32|float64] [--json]", r.Stdout);
    }

    [Fact]
    public void NoArguments_OrUnknownCommand_Exit2()
    {
        var none = Run();
        var unknown = Run("train");

        Assert.Equal(2, none.ExitCode);
        Assert.Contains("commands:", none.Stderr);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown command 'train'", unknown.Stderr);
    }

    [Theory]
    [InlineData("predict")]
    [InlineData("verify")]
    public void CommandHelp_Exit0(string command)
    {
        var r = Run(command, "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"usage: keras-port {command} MODEL", r.Stdout);
    }
}
