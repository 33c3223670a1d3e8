using Kiln.Engine;
using Spectre.Console;

namespace Kiln.Consoles;

/// <summary>Chooses how builds are shown: the live view on a terminal, plain prefixed lines on CI or when output is redirected.</summary>
public static class BuildConsoles
{
    /// <summary>True on CI services (they all set CI; a value of "false" or "0" opts out).</summary>
    public static bool IsContinuousIntegration =>
        Environment.GetEnvironmentVariable("CI") is { Length: > 0 } ci
        && !ci.Equals("false", StringComparison.OrdinalIgnoreCase) && ci != "0";

    public static bool UseLiveView => !IsContinuousIntegration && !Console.IsOutputRedirected;

    /// <summary>The console and the interaction that goes with it (the live view pauses itself while it asks).</summary>
    public static (IBuildConsole Console, IInteraction Interaction) ForCurrentProcess(bool verbose = false)
    {
        if (UseLiveView)
        {
            var live = new LiveBuildConsole(AnsiConsole.Console);
            return (live, live);
        }

        var plain = new PlainBuildConsole(Console.Out, new PlainConsoleOptions { Timestamps = IsContinuousIntegration, Verbose = verbose });
        return (plain, new ConsoleInteraction(Console.Out));
    }
}
