using System.Runtime.InteropServices;
using Spectre.Console;

namespace Kiln.Targets;

/// <summary>
/// The process entry point: <c>static Task&lt;int&gt; Main(string[] args) =&gt; KilnHost.RunAsync&lt;Build&gt;(args, x =&gt; x.Compile);</c>
/// Wires the real console, environment, Ctrl-C and SIGTERM to a <see cref="BuildHost"/>.
/// </summary>
public static class KilnHost
{
    public static async Task<int> RunAsync<TBuild>(string[] args, Func<TBuild, Target>? defaultTarget = null)
        where TBuild : KilnBuild, new()
    {
        var environment = HostEnvironment.FromProcess();
        var standardOutput = Console.Out;
        var standardError = Console.Error;
        var ci = environment.Kind is HostKind.GitHubActions or HostKind.AzurePipelines;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = environment.IsTerminal || ci ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = environment.IsTerminal || ci ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = environment.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
            Out = new AnsiConsoleOutput(standardOutput),
        });
        if (!environment.IsTerminal)
            console.Profile.Width = 120;

        var host = new BuildHost(console, environment);
        // What targets print through Console passes the same redactor as the host's own lines.
        using var redactedOut = new RedactingTextWriter(standardOutput, host.Redactor);
        using var redactedError = new RedactingTextWriter(standardError, host.Redactor);
        Console.SetOut(redactedOut);
        Console.SetError(redactedError);

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
            await redactedOut.FlushAsync();
            await redactedError.FlushAsync();
            Console.SetOut(standardOutput);
            Console.SetError(standardError);
            host.Interrupts.Dispose();
        }
    }
}
