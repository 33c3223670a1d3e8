using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Layers;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Images;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Provisioning layers with real QEMU builds: a first build seals a layer after each step, and saves the running
/// machine on every layer but the last; a second build with only its third step changed resumes that saved machine
/// after step 2 and runs the rest; a third build with nothing changed boots the second build's third layer, which was
/// sealed on the resumed machine's disk. Step 1 writes a random token, so reuse is proven by the token, not assumed
/// from the log; real OpenSSH logins prove the resumed machine refuses the saving build's key. A build whose step
/// fails right after a sealed step still leaves that layer (written in the background) whole in the cache, and the
/// fixed build, whose last step is cached, keeps the build key out from that step's seal on.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuLayerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-layers-").FullName;
    private readonly SshLoginProbe _probe;
    private readonly PluginCatalog _catalog;

    public QemuLayerTests()
    {
        _probe = new SshLoginProbe(Path.Combine(_root, "ssh-keys"));
        _catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner(), _probe]);
    }

    private string LayerDirectory => Path.Combine(_root, "layers");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_changed_last_step_resumes_from_the_cached_prefix_and_keeps_its_result()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await BuildAsync("v1", SshLoginProbe.Capture("first"), verify: [], ct);
        Assert.Contains("steps 1-3 of 6 will be cached", first.Log.Text, StringComparison.Ordinal);
        var store = new LayerStore(LayerDirectory);
        Assert.Equal(3, store.All().Count);
        Assert.Equal(3, first.Log.Text.Split('\n').Count(l => l.Contains(") is cached (", StringComparison.Ordinal)));
        var savedOnLayers = store.Warm.All().Where(w => w.Layer is not null).ToList();
        Assert.Equal([1, 2], savedOnLayers.Select(w => store.Find(w.Layer!)!.Step).Order());
        var afterStep2 = savedOnLayers.Single(w => store.Find(w.Layer!)!.Step == 2);
        var token1 = await File.ReadAllTextAsync(first.Download("token1"), ct);
        var token3 = await File.ReadAllTextAsync(first.Download("token3"), ct);
        Assert.Matches("^[0-9a-f]{32}$", token1);

        var second = await BuildAsync(
            "v2",
            SshLoginProbe.TryLogin("first"),
            verify:
            [
                GuestCommandConfig.Entry($"test \"$(cat /var/kiln-token1)\" = {token1}"),
                GuestCommandConfig.Entry("grep -qx v2 /var/kiln-step3"),
                // Only the verify machine's own key: no build key of either build was kept in a layer.
                GuestCommandConfig.Entry("test \"$(grep -c . /root/.ssh/authorized_keys)\" = 1"),
            ],
            ct);
        Assert.Contains("resumed after step 2 of 6", second.Log.Text, StringComparison.Ordinal);
        Assert.Contains("provisioner 1/6: shell (cached)", second.Log.Text, StringComparison.Ordinal);
        Assert.Contains($"warm boot: resumed saved machine {LayerStore.Short(afterStep2.Key)}", second.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("booting the build machine", second.Log.Text, StringComparison.Ordinal);
        Assert.True(second.State.WarmResumed);

        // The machine saved on layer 2 by the first build refuses that build's key and takes this one's.
        _probe.Logins("first").AssertOnlyOwnKeyLogsIn();
        Assert.Equal(token1, await File.ReadAllTextAsync(second.Download("token1"), ct));
        var secondToken3 = await File.ReadAllTextAsync(second.Download("token3"), ct);
        Assert.NotEqual(token3, secondToken3);
        Assert.Equal(3, second.State.Checks.Count(c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal)));
        Assert.Equal(4, store.All().Count);

        // Nothing changed: the build boots the layer the second build sealed on top of the resumed machine's disk. That
        // layer took in what the resume wrote, so it stands on layer 2 alone, as a cold build's does.
        var third = await BuildAsync(
            "v2",
            probe: null,
            verify:
            [
                GuestCommandConfig.Entry($"test \"$(cat /var/kiln-token1)\" = {token1}"),
                GuestCommandConfig.Entry("grep -qx v2 /var/kiln-step3"),
                GuestCommandConfig.Entry($"test \"$(cat /var/kiln-token3)\" = {secondToken3}"),
            ],
            ct);
        Assert.Contains("resumed after step 3 of 5", third.Log.Text, StringComparison.Ordinal);
        Assert.Contains("booting the build machine", third.Log.Text, StringComparison.Ordinal);
        Assert.Equal(3, third.State.Checks.Count(c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal)));
        Assert.Empty(Directory.EnumerateDirectories(LayerDirectory, ".partial-*"));
        Assert.Empty(Directory.EnumerateDirectories(store.Warm.Root, ".partial-*"));
    }

    [Fact]
    public async Task A_failing_step_keeps_the_layer_before_it_and_the_fixed_build_resumes_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = new LayerStore(LayerDirectory);

        // Step 1 is the last cacheable one, so its layer is still being written in the background when step 3 fails.
        await Assert.ThrowsAsync<KilnException>(() => BuildAsync(
            downloads => [Shell($"{Random} > /var/kiln-token1"), Download("/var/kiln-token1", downloads), Uncached("exit 3")],
            verify: [],
            ct));
        var layer = Assert.Single(store.All());
        Assert.Equal(1, layer.Step);
        Assert.Null(await store.ProblemAsync(layer, ct));
        Assert.Empty(Directory.EnumerateDirectories(LayerDirectory, ".partial-*"));
        var token1 = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(_root, "token1", SearchOption.AllDirectories)), ct);

        // The fixed builds end in a cached step: its seal keeps the build key out, and capture has no key to remove. The
        // first seals through the guest agent; the second, without the agent's port, over SSH.
        foreach (var (step2, warmBoot) in new[] { ("fixed", true), ("fixed over ssh", false) })
        {
            var fixedBuild = await BuildAsync(
                _ => [Shell($"{Random} > /var/kiln-token1"), Shell($"echo '{step2}' > /var/kiln-fixed")],
                verify:
                [
                    GuestCommandConfig.Entry($"test \"$(cat /var/kiln-token1)\" = {token1}"),
                    GuestCommandConfig.Entry($"grep -qx '{step2}' /var/kiln-fixed"),
                    GuestCommandConfig.Entry("test \"$(grep -c . /root/.ssh/authorized_keys)\" = 1"),
                ],
                ct,
                warmBoot);
            Assert.Contains("resumed after step 1 of 2", fixedBuild.Log.Text, StringComparison.Ordinal);
            Assert.Matches(@"removed the build SSH key \(SHA256:[^)]+\) from \$HOME/\.ssh/authorized_keys when step 2's layer was sealed", fixedBuild.Log.Text);
            Assert.Equal(3, fixedBuild.State.Checks.Count(c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal)));
        }

        Assert.Equal(3, store.All().Count);
    }

    /// <param name="probe">A login probe step, after the cacheable ones (it is not cacheable itself).</param>
    private Task<Finished> BuildAsync(string step3, ResolvedPlugin<ProvisionerConfig>? probe, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> verify, CancellationToken ct) =>
        BuildAsync(
            downloads =>
            [
                Shell($"{Random} > /var/kiln-token1"),
                Shell("echo two > /var/kiln-step2"),
                Shell($"echo {step3} > /var/kiln-step3", $"{Random} > /var/kiln-token3"),
                Download("/var/kiln-token1", downloads),
                Download("/var/kiln-token3", downloads),
                .. probe is null ? Array.Empty<ResolvedPlugin<ProvisionerConfig>>() : [probe],
            ],
            verify,
            ct);

    /// <param name="provisioners">The steps, given the folder downloads go to.</param>
    /// <param name="warmBoot">False: no guest agent port, so layers are sealed over SSH.</param>
    private async Task<Finished> BuildAsync(Func<string, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>>> provisioners, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> verify, CancellationToken ct, bool warmBoot = true)
    {
        var ledger = new MemoryLedger();
        var log = new TestLog();
        var downloads = Directory.CreateDirectory(Path.Combine(_root, "downloads-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var context = TestBuild.Context(
            QemuTestEnvironment.Config(verify: verify.Count > 0, warmBoot: warmBoot),
            type: "qemu",
            image: "layered",
            ledger: ledger,
            log: log,
            plugins: _catalog,
            provisioners: provisioners(downloads),
            verify: verify);
        context = context with { Layers = ProvisionLayerKeys.Compute(context.Image, context.Source, _catalog, context.Redactor, []) };
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        var builder = new QemuBuilder(QemuTestEnvironment.CacheDirectory, LayerDirectory);
        await using var pipeline = builder.CreatePipeline(context);
        try
        {
            await pipeline.RunAsync(Stage.Publish, ct);
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.Empty(ledger.Open);
        return new Finished((QemuBuildState)pipeline.State, log, downloads);
    }

    private const string Random = "head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'";

    private static ResolvedPlugin<ProvisionerConfig> Shell(params string[] inline) => new("shell", new ShellConfig { Inline = inline }, null);

    private static ResolvedPlugin<ProvisionerConfig> Uncached(string command) => new("shell", new ShellConfig { Inline = [command], Cache = false }, null);

    private static ResolvedPlugin<ProvisionerConfig> Download(string remote, string directory) =>
        new("file", new FileConfig { Source = remote, Destination = Path.Combine(directory, Path.GetFileName(remote)["kiln-".Length..]), Direction = FileDirection.Download }, null);

    private sealed record Finished(QemuBuildState State, TestLog Log, string Downloads)
    {
        public string Download(string name) => Path.Combine(Downloads, name);
    }
}
