using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Steps;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

/// <summary>The provision step on a machine that resumed from cached layers: cached steps are skipped and named, every other step is followed by a seal.</summary>
public sealed class ProvisionCheckpointTests
{
    private readonly ScriptedProvisioner _provisioner = new();

    [Fact]
    public async Task Skips_the_resumed_steps_and_seals_after_each_step_it_runs()
    {
        var log = new TestLog();
        var entries = new[] { "a", "b", "c", "d" }.Select(l => new ResolvedPlugin<ProvisionerConfig>("scripted", new ScriptedConfig { Label = l }, null)).ToList();
        var state = new CheckpointState(TestBuild.Context(new TestSourceConfig(), provisioners: entries, log: log, plugins: PluginCatalog.Default.With(provisioners: [_provisioner])), resumed: 2, _provisioner.Calls);

        await new ProvisionStep<CheckpointState>().RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(["c", "seal 3", "d", "seal 4"], _provisioner.Calls);
        Assert.Contains("info: provisioner 1/4: scripted (cached)", log.Lines);
        Assert.Contains("info: provisioner 2/4: scripted (cached)", log.Lines);
        Assert.Contains("info: provisioner 3/4: scripted", log.Lines);
    }

    private sealed class CheckpointState(BuildContext context, int resumed, List<string> calls) : BuildState(context), IProvisionCheckpoints
    {
        public int ResumedSteps => resumed;

        public Task SealAsync(int step, CancellationToken cancellationToken)
        {
            calls.Add($"seal {step}");
            return Task.CompletedTask;
        }
    }
}
