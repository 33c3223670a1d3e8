using Kiln.Engine;
using Kiln.Provisioners;

namespace Kiln.IntegrationTests.Provisioners;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class BreakpointProvisionerTests : ProvisionerHarness
{
    [Fact]
    public async Task Without_a_person_at_the_terminal_it_warns_and_goes_on()
    {
        await ProvisionAsync("breakpoint", new BreakpointConfig { Note = "check nginx" });

        Assert.Contains("warn: breakpoint skipped: nobody is at the terminal to press Enter: check nginx", Log.Lines);
    }

    [Fact]
    public async Task With_a_person_at_the_terminal_it_shows_how_to_reach_the_machine_and_waits_for_Enter()
    {
        var person = new PersonAtTerminal();
        var state = new Ssh.SshTestState(new BuildContext
        {
            RunId = State.Context.RunId,
            Image = State.Context.Image,
            Source = State.Context.Source,
            OutputDirectory = State.Context.OutputDirectory,
            WorkDirectory = State.Context.WorkDirectory,
            Plugins = State.Context.Plugins,
            Log = Log,
            Ledger = Ledger,
            Progress = State.Context.Progress,
            Interaction = person,
            Redactor = State.Context.Redactor,
        })
        { Communicator = State.Communicator };
        Kiln.Engine.IProvisioner breakpoint = new BreakpointProvisioner();

        var run = breakpoint.RunAsync(new BreakpointConfig { Note = "look around" }, state, Cancellation);
        await person.Prompted.Task.WaitAsync(TimeSpan.FromMinutes(1), Cancellation);
        Assert.False(run.IsCompleted);
        person.PressEnter();
        await run;

        Assert.Contains("info: breakpoint: look around", Log.Lines);
        Assert.Contains(Log.Lines, l => l.Contains($"-p {Sshd.Port}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_disabled_breakpoint_does_not_wait()
    {
        await ProvisionAsync("breakpoint", new BreakpointConfig { Disable = true });

        Assert.Contains("info: breakpoint disabled", Log.Lines);
    }

    private sealed class PersonAtTerminal : IInteraction
    {
        private readonly TaskCompletionSource _enter = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Prompted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsInteractive => true;

        public Task WaitForEnterAsync(string prompt, CancellationToken cancellationToken)
        {
            Prompted.TrySetResult();
            return _enter.Task.WaitAsync(cancellationToken);
        }

        public void PressEnter() => _enter.TrySetResult();
    }
}
