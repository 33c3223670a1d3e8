using System.Diagnostics;
using Kiln.Builders.Qemu.Layers;
using Kiln.Ledger;
using Kiln.Plugins;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// A real QEMU build in a child process (tests/Kiln.TestBuildHost) is killed with SIGKILL while it writes a layer into
/// the cache. The half-written layer never counts as a layer, and a sweep removes it with the rest of the build.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuLayerCrashTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-layer-crash-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_layer_half_written_when_the_build_is_killed_is_never_used_and_the_sweep_removes_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var templates = Directory.CreateDirectory(Path.Combine(_root, "templates")).FullName;
        await File.WriteAllTextAsync(Path.Combine(templates, "killed.kiln.yaml"), """
            name: killed
            sources:
              local:
                type: qemu
                base: { bootstrap: { suite: bookworm } }
                disk_size: 4G
                accelerator: tcg
                boot_timeout: 20m
                ssh_timeout: 10m
                verify: { enabled: false }
            provision:
              # A large step, so copying its layer into the cache takes long enough to be caught in the act.
              - shell: { inline: ["head -c 300M /dev/urandom > /var/kiln-big"] }
              - shell: { inline: ["echo second > /var/kiln-second"] }
            """, ct);
        var layers = Path.Combine(_root, "layers");
        var ledger = Path.Combine(_root, "ledger");
        var dll = Path.Combine(AppContext.BaseDirectory, "Kiln.TestBuildHost.dll");
        using var host = Process.Start(new ProcessStartInfo("dotnet", [dll, "images", templates, Path.Combine(_root, "output"), ledger, QemuTestEnvironment.CacheDirectory, layers])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var output = new System.Text.StringBuilder();
        host.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        host.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();

        string? partial = null;
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            deadline.CancelAfter(TimeSpan.FromMinutes(25));
            while (partial is null)
            {
                Assert.False(host.HasExited, $"the build ended before it sealed a layer:\n{output}");
                Assert.True(new LayerStore(layers).All().Count == 0, $"the layer was complete before the test saw it half-written:\n{output}");
                partial = Directory.Exists(layers) ? Directory.EnumerateDirectories(layers, ".partial-*").FirstOrDefault() : null;
                await Task.Delay(10, deadline.Token);
            }
        }

        host.Kill(); // SIGKILL: no cleanup runs
        await host.WaitForExitAsync(ct);
        Assert.True(Directory.Exists(partial));
        Assert.True(QemuTestEnvironment.QemuRunning("kiln-killed-"), "the build machine should outlive the killed build");

        // A half-written layer is not a layer: nothing would resume from it.
        Assert.Empty(new LayerStore(layers).All());

        var log = new TestLog();
        var report = await new LedgerSweep(ledger, PluginCatalog.Default.Sweepers, log).RunAsync(ct);
        Assert.True(report.Complete, log.Text);
        Assert.Contains(report.Cleaned, c => c.Resource.Id == partial);
        Assert.False(Directory.Exists(partial));
        Assert.Empty(Directory.EnumerateDirectories(layers, ".partial-*"));
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-killed-"));
    }
}
