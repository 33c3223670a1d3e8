using Kiln.Images;
using Kiln.Consoles;
using Kiln.Engine;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Qemu;

/// <summary>
/// samples/templates/web.kiln.yaml, built for real through the same facade as <c>./build.sh BuildImages</c>: its qemu
/// source, from the stand-in cloud image (its amazon source is left out with --only). nginx comes from the mirror.
/// </summary>
[Collection(QemuCollection.Name)]
public sealed class WebSampleBuildTests
{
    [Fact]
    public async Task The_web_sample_builds_its_qemu_source_from_a_cloud_init_image_and_verifies_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var cloudImage = await StandInCloudImage.GetAsync(ct);
        var work = Directory.CreateTempSubdirectory("kiln-web-sample-").FullName;
        using var cleanup = new DeletedAtEnd(work);
        var console = new StringWriter();
        const string token = "site-t0ken-never-logged";

        var outcome = await KilnImages.BuildAsync(
            new ImageBuildSettings
            {
                Templates = Path.Combine(Root(), "samples", "templates", "web.kiln.yaml"),
                Only = ["local"],
                Vars = [$"site_token={token}", $"cloud_image={cloudImage}"],
                WorkingDirectory = work,
                LedgerDirectory = Path.Combine(work, "ledger"),
                Environment = new Dictionary<string, string>(),
                Console = new PlainBuildConsole(console),
                Interaction = new NonInteractive(),
                Parallel = 1,
            },
            ct);

        var result = Assert.Single(outcome.Results);
        Assert.True(result.Status == BuildStatus.Built, $"{result.Reason}\n{console}");
        Assert.Equal("web.local", result.Name);
        Assert.True(File.Exists(Path.Combine(work, "output", "images", "web", "local", "web.qcow2")), console.ToString());
        Assert.True(File.Exists(outcome.ManifestPath));
        Assert.Contains("cloud-init reset; removed the build user debian", console.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(token, console + await File.ReadAllTextAsync(outcome.ManifestPath, ct), StringComparison.Ordinal);
        var ledger = Path.Combine(work, "ledger");
        Assert.Empty(Directory.Exists(ledger) ? Directory.EnumerateFiles(ledger, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)) : []);
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kiln.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Kiln.slnx not found above " + AppContext.BaseDirectory);
    }
}
