using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Kiln.Builders.Qemu;
using Kiln.Builders.Qemu.Steps;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// Real builds on a bootstrapped Debian guest under TCG. Each boot costs half a minute or more, so one build covers
/// provisioning from the mirror, every output format and the verify boot of the captured image.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class QemuEndToEndTests
{
    [Fact]
    public async Task Builds_provisions_from_the_mirror_captures_every_format_and_verifies_the_captured_image()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var log = new TestLog();
        var config = QemuTestEnvironment.Config(formats: [DiskFormat.Qcow2, DiskFormat.Vmdk, DiskFormat.Vdi, DiskFormat.Vhdx, DiskFormat.Raw, DiskFormat.Ova]);
        var context = TestBuild.Context(
            config,
            type: "qemu",
            image: "web",
            ledger: ledger,
            plugins: QemuTestEnvironment.Catalog,
            log: log,
            provisioners:
            [
                GuestCommandConfig.Entry(
                    "install -m 0644 /tmp/kiln-hello.txt /srv/hello.txt && apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light",
                    new Dictionary<string, string> { ["/tmp/kiln-hello.txt"] = "hello from kiln\n" }),
            ],
            verify:
            [
                GuestCommandConfig.Entry("systemctl is-active nginx"),
                GuestCommandConfig.Entry("grep -qx 'hello from kiln' /srv/hello.txt"),
                GuestCommandConfig.Entry("test -s /etc/machine-id && ls /etc/ssh/ssh_host_ed25519_key"),
            ]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);

        await using (var pipeline = QemuTestEnvironment.Builder().CreatePipeline(context))
        {
            await pipeline.RunAndCleanUpAsync(ct);
            var state = (QemuBuildState)pipeline.State;
            Assert.Contains(state.Checks, c => c is { Check: CheckBuildKeyRemovedStep.CheckName, Passed: true });
            Assert.Equal(3, state.Checks.Count(c => c.Passed && c.Check.Contains("guest-command", StringComparison.Ordinal)));

            var artifact = Assert.Single(state.Artifacts);
            Assert.Equal("qemu", artifact.BuilderType);
            Assert.Equal(artifact.Outputs["qcow2"], artifact.Id);
            Assert.Equal(["ova", "qcow2", "raw", "vdi", "vhdx", "vmdk"], artifact.Outputs.Keys.Order(StringComparer.Ordinal));
            Assert.All(artifact.Files, f => Assert.Equal(new FileInfo(f.Path).Length, f.Size));
            Assert.All(artifact.Outputs.Values, p => Assert.Equal(context.OutputDirectory, Path.GetDirectoryName(p)));

            foreach (var (format, path) in artifact.Outputs.Where(o => o.Key != "ova"))
            {
                var info = await QemuImgInfoAsync(path, ct);
                Assert.Equal(format, info["format"]!.GetValue<string>());
                Assert.Equal(4L << 30, info["virtual-size"]!.GetValue<long>());
                Assert.Null(info["backing-filename"]);
                if (format is "qcow2" or "vdi" or "vhdx")
                {
                    await RunAsync("qemu-img", ["check", "-f", format, path], ct);
                }
            }

            await AssertOvaAsync(artifact.Outputs["ova"], "web", ct);

            // The verify stage booted the qcow2; the formats other hypervisors import must boot too (BIOS, GRUB,
            // kernel, sshd answering), each in snapshot mode so the outputs stay untouched.
            foreach (var format in new[] { "vmdk", "vdi", "vhdx" })
            {
                await AssertBootsAsync(context, artifact.Outputs[format], format, ct);
            }
        }

        Assert.Empty(ledger.Open);
        Assert.Empty(Directory.EnumerateDirectories(context.OutputDirectory, ".kiln-staging-*"));
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-web-"));
    }

    [Fact]
    public async Task A_failing_provisioner_fails_the_build_and_leaves_nothing_behind()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = new MemoryLedger();
        var context = TestBuild.Context(
            QemuTestEnvironment.Config(verify: false),
            type: "qemu",
            image: "broken",
            ledger: ledger,
            plugins: QemuTestEnvironment.Catalog,
            provisioners: [GuestCommandConfig.Entry("echo about to fail; exit 7")]);
        using var cleanup = new DeletedAtEnd(context.WorkDirectory);
        var builder = new QemuBuilder(QemuTestEnvironment.CacheDirectory);
        await using var pipeline = builder.CreatePipeline(context);
        string? overlay = null;
        try
        {
            var error = await Assert.ThrowsAsync<KilnException>(async () =>
            {
                try
                {
                    await pipeline.RunAsync(Stage.Publish, ct);
                }
                finally
                {
                    overlay = ((QemuBuildState)pipeline.State).OverlayPath;
                }
            });
            Assert.Contains("exited with 7", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await pipeline.CleanupAsync(CancellationToken.None);
        }

        Assert.NotNull(overlay);
        Assert.False(File.Exists(overlay));
        Assert.Empty(ledger.Open);
        Assert.Empty(((QemuBuildState)pipeline.State).Artifacts);
        Assert.False(Directory.Exists(context.OutputDirectory) && Directory.EnumerateFileSystemEntries(context.OutputDirectory).Any());
        Assert.False(QemuTestEnvironment.QemuRunning("kiln-broken-"));
    }

    private static async Task AssertOvaAsync(string ova, string name, CancellationToken ct)
    {
        var entries = new List<(string Name, byte[] Data)>();
        await using (var stream = File.OpenRead(ova))
        await using (var reader = new TarReader(stream))
        {
            while (await reader.GetNextEntryAsync(copyData: true, ct) is { } entry)
            {
                using var data = new MemoryStream();
                await entry.DataStream!.CopyToAsync(data, ct);
                entries.Add((entry.Name, data.ToArray()));
            }
        }

        Assert.Equal([$"{name}.ovf", $"{name}.mf", $"{name}-disk1.vmdk"], entries.Select(e => e.Name));
        var manifest = System.Text.Encoding.UTF8.GetString(entries[1].Data).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [$"SHA256({name}.ovf)= {Convert.ToHexStringLower(SHA256.HashData(entries[0].Data))}", $"SHA256({name}-disk1.vmdk)= {Convert.ToHexStringLower(SHA256.HashData(entries[2].Data))}"],
            manifest);

        XNamespace ovf = "http://schemas.dmtf.org/ovf/envelope/1";
        var descriptor = XDocument.Parse(System.Text.Encoding.UTF8.GetString(entries[0].Data));
        var file = descriptor.Root!.Element(ovf + "References")!.Element(ovf + "File")!;
        Assert.Equal($"{name}-disk1.vmdk", file.Attribute(ovf + "href")!.Value);
        Assert.Equal(entries[2].Data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), file.Attribute(ovf + "size")!.Value);

        var vmdk = Path.Combine(Path.GetDirectoryName(ova)!, "extracted-disk.vmdk");
        await File.WriteAllBytesAsync(vmdk, entries[2].Data, ct);
        try
        {
            var info = await QemuImgInfoAsync(vmdk, ct);
            Assert.Equal("vmdk", info["format"]!.GetValue<string>());
            Assert.Equal("streamOptimized", info["format-specific"]!["data"]!["create-type"]!.GetValue<string>());
            Assert.Equal(4L << 30, info["virtual-size"]!.GetValue<long>());
        }
        finally
        {
            File.Delete(vmdk);
        }
    }

    private static async Task AssertBootsAsync(BuildContext context, string disk, string format, CancellationToken ct)
    {
        var options = new QemuMachineOptions
        {
            Name = $"kiln-web-boot-{format}",
            DiskPath = disk,
            DiskFormat = format,
            Cpus = 2,
            MemoryMiB = 1024,
            UseKvm = false,
            Snapshot = true,
        };
        var serial = Path.Combine(context.WorkDirectory, $"boot-{format}-console.log");
        await using var machine = await QemuMachine.StartAsync(context, options, serial, ct);
        await machine.WaitForSshAsync(TimeSpan.FromMinutes(10), ct);
    }

    private static async Task<JsonNode> QemuImgInfoAsync(string path, CancellationToken ct) =>
        JsonNode.Parse(await RunAsync("qemu-img", ["info", "--output=json", path], ct))!;

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {await stderr}");
        return await stdout;
    }
}
