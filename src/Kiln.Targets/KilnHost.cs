using System.Runtime.InteropServices;
using Spectre.Console;

namespace Kiln.Targets;

/// <summary>
/// The process entry point: <c>static Task&lt;int&gt; Main(string[] args) =&gt; KilnHost.RunAsync&lt;Build&gt;(args, x =&gt; x.Compile);</c>
/// Wires the real console, environment, Ctrl-C and SIGTERM to a <see cref="BuildHost"/>.
/// </summary>
public static class KilnHost
{
    /// <summary>How long the last lines may wait for a reader at exit before the process ends without them.</summary>
    private static readonly TimeSpan OutputStallAtExit = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync<TBuild>(string[] args, Func<TBuild, Target>? defaultTarget = null)
        where TBuild : KilnBuild, new()
    {
        var environment = HostEnvironment.FromProcess();
        var standardOutput = Console.Out;
        var standardError = Console.Error;
        var redactor = new SecretRedactor();
        // Every writer of the process, Spectre included, queues to one pump that alone writes and redacts.
        using var pump = ConsolePump.ForStandardStreams(redactor);
        Console.SetOut(pump.Output);
        Console.SetError(pump.Error);
        var ci = environment.Kind is HostKind.GitHubActions or HostKind.AzurePipelines;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = environment.IsTerminal || ci ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = environment.IsTerminal || ci ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = environment.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
            // Console.Out itself, so Spectre still sees standard output and measures the terminal.
            Out = new AnsiConsoleOutput(Console.Out),
        });
        if (!environment.IsTerminal)
        {
            console.Profile.Width = 120;
        }

        AnsiConsole.Console = console;

        var host = new BuildHost(console, environment, redactor: redactor);
        // On a terminal the live view redraws each build's step and time, so only plain and CI output go quiet.
        using var watchdog = StallWatchdog.LimitFrom(environment) is { } limit
            ? new StallWatchdog(limit, () => pump.SinceLastOutput, host.Interrupts.DescribeRunning, host.Interrupts.Report)
            : null;

        void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) =>
            // The third Ctrl-C lets the runtime end the process when cleanup hangs.
            e.Cancel = host.Interrupts.Interrupt() < 3;
        Console.CancelKeyPress += OnCancelKeyPress;
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            host.Interrupts.Interrupt();
        });
        try
        {
            return await host.RunAsync(new TBuild(), args, defaultTarget);
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            pump.Drain(OutputStallAtExit);
            Console.SetOut(standardOutput);
            Console.SetError(standardError);
            host.Interrupts.Dispose();
        }
    }
}
