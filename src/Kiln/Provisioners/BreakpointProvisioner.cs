using Kiln.Engine;

namespace Kiln.Provisioners;

/// <summary>Packer's breakpoint: prints how to reach the machine and waits for Enter.</summary>
internal sealed class BreakpointProvisioner : Provisioner<BreakpointConfig>
{
    public override string Type => "breakpoint";

    // Someone may change the machine by hand while it waits; only a disabled breakpoint is the same every time.
    protected override bool Cacheable(BreakpointConfig config) => config.Disable;

    protected override async Task RunAsync(BreakpointConfig config, BuildState state, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var note = config.Note is null ? "" : $": {config.Note}";
        if (config.Disable)
        {
            context.Log.Info($"breakpoint disabled{note}");
            return;
        }

        if (!context.Interaction.IsInteractive)
        {
            context.Log.Warn($"breakpoint skipped: nobody is at the terminal to press Enter{note}");
            return;
        }

        context.Log.Info($"breakpoint{note}");
        if (state.Communicator?.Connection is { } connection)
        {
            context.Log.Info($"reach the machine with: {connection.SshCommand}");
        }

        await context.Interaction.WaitForEnterAsync("Press Enter to continue the build", cancellationToken);
    }
}
