using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Steps;
using Kiln.Testing;

namespace Kiln.Tests.Pipeline;

internal sealed class ScriptedConfig : ProvisionerConfig
{
    public string Label { get; init; } = "";

    /// <summary>How many attempts fail before one succeeds.</summary>
    public int FailuresBeforeSuccess { get; init; }

    public bool AlwaysFail { get; init; }

    public bool Block { get; init; }
}

/// <summary>A provisioner that records each attempt and fails or blocks as its config says.</summary>
internal sealed class ScriptedProvisioner : Provisioner<ScriptedConfig>
{
    private readonly Dictionary<string, int> _attempts = [];

    public override string Type => "scripted";

    public List<string> Calls { get; } = [];

    public int Attempts(string label) => _attempts.GetValueOrDefault(label);

    protected override async Task RunAsync(ScriptedConfig config, BuildState state, CancellationToken cancellationToken)
    {
        lock (Calls)
        {
            Calls.Add(config.Label);
            _attempts[config.Label] = Attempts(config.Label) + 1;
        }

        if (config.Block)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (config.AlwaysFail || Attempts(config.Label) <= config.FailuresBeforeSuccess)
        {
            throw new InvalidOperationException($"{config.Label} broke");
        }
    }
}

public sealed class ProvisionStepTests
{
    private static readonly RetryPolicy Fast = new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    private readonly ScriptedProvisioner _provisioner = new();

    private PluginCatalog Catalog => PluginCatalog.Default.With(provisioners: [_provisioner]);

    private static ResolvedPlugin<ProvisionerConfig> Entry(ScriptedConfig config, int line = 7) =>
        new("scripted", config, new SourceLocation("/defs/web.kiln.yaml", line, 5));

    private TestState State(TestLog log, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>? provisioners = null, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>? verify = null) =>
        new(TestBuild.Context(new TestSourceConfig(), provisioners: provisioners, verify: verify, log: log, plugins: Catalog));

    [Fact]
    public async Task Runs_the_provisioners_in_order()
    {
        var state = State(new TestLog(), [Entry(new() { Label = "a" }), Entry(new() { Label = "b" }), Entry(new() { Label = "c" })]);

        await new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(["a", "b", "c"], _provisioner.Calls);
    }

    [Fact]
    public async Task A_failure_names_the_provisioner_and_its_location_and_stops_the_rest()
    {
        var state = State(new TestLog(), [Entry(new() { Label = "a", AlwaysFail = true }, line: 12), Entry(new() { Label = "b" })]);

        var error = await Assert.ThrowsAsync<KilnException>(
            () => new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal("provisioner 'scripted' (/defs/web.kiln.yaml:12:5) failed: a broke", error.Message);
        Assert.Equal(["a"], _provisioner.Calls);
    }

    [Fact]
    public async Task An_unknown_provisioner_type_is_an_error_with_the_known_types()
    {
        var state = State(new TestLog(), [new ResolvedPlugin<ProvisionerConfig>("nope", new ScriptedConfig(), null)]);

        var error = await Assert.ThrowsAsync<KilnException>(
            () => new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal("provisioner 'nope': no provisioner of type 'nope'", error.Message);
        Assert.Contains("scripted", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_retries_retries_a_failing_provisioner_with_one_log_line_per_retry()
    {
        var log = new TestLog();
        var state = State(log, [Entry(new() { Label = "flaky", FailuresBeforeSuccess = 2, MaxRetries = 3 })]);

        await new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Equal(3, _provisioner.Attempts("flaky"));
        var retries = log.Lines.Where(l => l.Contains("retrying in", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, retries.Count);
        Assert.StartsWith("warn: provisioner 'scripted' (/defs/web.kiln.yaml:7:5) failed (attempt 1 of 4): flaky broke; retrying in", retries[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_stop_after_max_retries()
    {
        var state = State(new TestLog(), [Entry(new() { Label = "dead", AlwaysFail = true, MaxRetries = 2 })]);

        await Assert.ThrowsAsync<KilnException>(
            () => new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal(3, _provisioner.Attempts("dead"));
    }

    [Fact]
    public async Task Cancellation_is_never_retried()
    {
        var state = State(new TestLog(), [Entry(new() { Label = "slow", Block = true, MaxRetries = 5 })]);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var run = new ProvisionStep<TestState>(Fast).RunAsync(state, cts.Token);
        while (_provisioner.Attempts("slow") == 0)
        {
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(1, _provisioner.Attempts("slow"));
    }

    [Fact]
    public async Task A_timeout_fails_the_attempt_and_is_retried()
    {
        var state = State(new TestLog(), [Entry(new() { Label = "hung", Block = true, Timeout = TimeSpan.FromMilliseconds(50), MaxRetries = 1 })]);

        var error = await Assert.ThrowsAnyAsync<KilnException>(
            () => new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal("provisioner 'scripted' (/defs/web.kiln.yaml:7:5) timed out after 50ms", error.Message);
        Assert.Equal(2, _provisioner.Attempts("hung"));
    }

    [Fact]
    public async Task Pause_before_waits_and_says_so()
    {
        var log = new TestLog();
        var state = State(log, [Entry(new() { Label = "a", PauseBefore = TimeSpan.FromMilliseconds(20) })]);

        await new ProvisionStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken);

        Assert.Contains("info: pausing 20ms before scripted", log.Lines);
        Assert.Equal(["a"], _provisioner.Calls);
    }

    [Fact]
    public async Task Verify_runs_every_check_records_each_and_fails_when_one_failed()
    {
        var state = State(new TestLog(), verify: [Entry(new() { Label = "ok" }, 20), Entry(new() { Label = "bad", AlwaysFail = true }, 21), Entry(new() { Label = "ok2" }, 22)]);

        var error = await Assert.ThrowsAsync<KilnException>(
            () => new VerifyStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken));

        Assert.Equal(["ok", "bad", "ok2"], _provisioner.Calls);
        Assert.Equal([true, false, true], state.Checks.Select(c => c.Passed));
        Assert.Equal("check 'scripted' (/defs/web.kiln.yaml:21:5)", state.Checks[1].Check);
        Assert.Equal("check 'scripted' (/defs/web.kiln.yaml:21:5) failed: bad broke", state.Checks[1].Detail);
        Assert.StartsWith("1 of 3 verify checks failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_passes_when_every_check_passes()
    {
        var state = State(new TestLog(), verify: [Entry(new() { Label = "ok" })]);

        await new VerifyStep<TestState>(Fast).RunAsync(state, TestContext.Current.CancellationToken);

        Assert.True(Assert.Single(state.Checks).Passed);
    }
}
