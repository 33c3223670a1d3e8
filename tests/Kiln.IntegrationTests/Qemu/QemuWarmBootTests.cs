using System.Globalization;
using System.Text.Json.Nodes;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Layers;
using Kiln.Definitions;
using Kiln.Images;
using Kiln.Model;
using Kiln.Plugins;
using Kiln.Provisioners;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Warm boots with real QEMU and Kiln's bootstrapped base (which has qemu-guest-agent): a first build boots cold and
/// saves the booted machine; a second build of the same base resumes it. What the resumed guest holds is read from
/// the guest itself: its authorized_keys, its clock, its SSH host keys, and the captured image's. Real OpenSSH logins
/// into the resumed guest show the saving build's key is refused and the resuming build's own key accepted.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuWarmBootTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-warm-").FullName;
    private readonly SshLoginProbe _probe;
    private readonly PluginCatalog _catalog;

    public QemuWarmBootTests()
    {
        _probe = new SshLoginProbe(Path.Combine(_root, "ssh-keys"));
        _catalog = PluginCatalog.Default.With(provisioners: [new GuestCommandProvisioner(), _probe]);
    }

    private string LayerDirectory => Path.Combine(_root, "layers");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_second_build_resumes_the_saved_base_with_only_its_own_key_the_host_clock_and_fresh_host_keys_in_the_image()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await BuildAsync(
            [Download("/etc/ssh/ssh_host_ed25519_key.pub", "first-host-key"), Download("/root/.ssh/authorized_keys", "first-keys"), SshLoginProbe.Capture("first")],
            verify: [],
            ct);
        Assert.Contains("warm boot: saved the booted machine", first.Log.Text, StringComparison.Ordinal);
        var saved = Assert.Single(new LayerStore(LayerDirectory).Warm.All());
        var warmHostKey = Blob(await File.ReadAllTextAsync(first.Download("first-host-key"), ct));
        var firstKey = Blob(await File.ReadAllTextAsync(first.Download("first-keys"), ct));

        var started = DateTimeOffset.UtcNow;
        var second = await BuildAsync(
            [
                SshLoginProbe.TryLogin("first"),
                Shell("date +%s > /var/kiln-clock"),
                Download("/var/kiln-clock", "clock"),
                Download("/root/.ssh/authorized_keys", "second-keys"),
                Download("/etc/ssh/ssh_host_ed25519_key.pub", "second-host-key"),
            ],
            verify:
            [
                // The captured image made its own host keys at its first boot: the saved machine's are not in it.
                GuestCommandConfig.Entry($"test -s /etc/ssh/ssh_host_ed25519_key.pub && ! grep -qF '{warmHostKey}' /etc/ssh/ssh_host_ed25519_key.pub"),
            ],
            ct);
        var ended = DateTimeOffset.UtcNow;

        Assert.Contains($"warm boot: resumed saved machine {LayerStore.Short(saved.Key)}", second.Log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("booting the build machine", second.Log.Text, StringComparison.Ordinal);
        Assert.True(second.State.WarmResumed);

        // sshd refuses the saving build's key; it accepts this build's, so the probe can succeed and the refusal counts.
        _probe.Logins("first").AssertOnlyOwnKeyLogsIn();

        // Only this build's key: the saving build's key was removed before the save, and the resume added this one.
        var keys = (await File.ReadAllLinesAsync(second.Download("second-keys"), ct)).Where(l => l.Trim().Length > 0).ToList();
        Assert.Single(keys);
        Assert.DoesNotContain(firstKey, keys[0], StringComparison.Ordinal);

        // The same machine: its host key is the saved one while the build runs.
        Assert.Equal(warmHostKey, Blob(await File.ReadAllTextAsync(second.Download("second-host-key"), ct)));

        // The saved clock was minutes behind by now; the resume stepped it to the host's.
        var clock = DateTimeOffset.FromUnixTimeSeconds(long.Parse((await File.ReadAllTextAsync(second.Download("clock"), ct)).Trim(), CultureInfo.InvariantCulture));
        Assert.InRange(clock, started.AddSeconds(-3), ended.AddSeconds(3));
        Assert.Contains(second.State.Checks, c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_damaged_or_foreign_saved_machine_is_named_in_a_warning_and_the_build_boots_cold()
    {
        var ct = TestContext.Current.CancellationToken;
        await BuildAsync([], verify: [], ct);
        var store = new LayerStore(LayerDirectory).Warm;
        var saved = Assert.Single(store.All());

        // A flipped block in the middle of the memory image: QEMU would load it without noticing.
        await using (var state = new FileStream(store.StateOf(saved.Key), FileMode.Open, FileAccess.Write))
        {
            state.Position = state.Length / 2;
            await state.WriteAsync(new byte[4096].Select(_ => (byte)0x5A).ToArray(), ct);
        }

        var damaged = await BuildAsync([], verify: [], ct);
        Assert.Contains($"warn: warm boot: saved machine {LayerStore.Short(saved.Key)} is not usable: its state.bin's sha256", damaged.Log.Text, StringComparison.Ordinal);
        Assert.Contains("booting the build machine", damaged.Log.Text, StringComparison.Ordinal);
        Assert.False(damaged.State.WarmResumed);
        Assert.Contains("warm boot: saved the booted machine", damaged.Log.Text, StringComparison.Ordinal);

        // The next one was saved by "another QEMU".
        var info = Path.Combine(store.DirectoryOf(saved.Key), "warm.json");
        var record = JsonNode.Parse(await File.ReadAllTextAsync(info, ct))!;
        record["qemu"] = "QEMU emulator version 6.2.0";
        await File.WriteAllTextAsync(info, record.ToJsonString(), ct);

        var foreign = await BuildAsync([], verify: [], ct);
        Assert.Contains($"warn: warm boot: saved machine {LayerStore.Short(saved.Key)} is not usable: it was saved by QEMU emulator version 6.2.0", foreign.Log.Text, StringComparison.Ordinal);
        Assert.Contains("booting the build machine", foreign.Log.Text, StringComparison.Ordinal);
        Assert.False(foreign.State.WarmResumed);
        Assert.Empty(Directory.EnumerateDirectories(store.Root, ".partial-*"));
    }

    private async Task<Finished> BuildAsync(IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> steps, IReadOnlyList<ResolvedPlugin<ProvisionerConfig>> verify, CancellationToken ct)
    {
        var ledger = new MemoryLedger();
        var log = new TestLog();
        var downloads = Directory.CreateDirectory(Path.Combine(_root, "downloads-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var context = TestBuild.Context(
            QemuTestEnvironment.Config(verify: verify.Count > 0),
            type: "qemu",
            image: "warm",
            ledger: ledger,
            log: log,
            plugins: _catalog,
            provisioners: [.. steps.Select(s => s.Config is FileConfig file ? s with { Config = new FileConfig { Source = file.Source, Destination = Path.Combine(downloads, file.Destination), Direction = FileDirection.Download } } : s)],
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

    private static string Blob(string keyLine) => keyLine.Trim().Split(' ')[1];

    private static ResolvedPlugin<ProvisionerConfig> Shell(params string[] inline) => new("shell", new ShellConfig { Inline = inline }, null);

    private static ResolvedPlugin<ProvisionerConfig> Download(string remote, string name) =>
        new("file", new FileConfig { Source = remote, Destination = name, Direction = FileDirection.Download }, null);

    private sealed record Finished(QemuBuildState State, TestLog Log, string Downloads)
    {
        public string Download(string name) => Path.Combine(Downloads, name);
    }
}
