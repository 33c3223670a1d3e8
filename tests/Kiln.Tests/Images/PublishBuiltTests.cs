using System.Text.Json.Nodes;
using Kiln.Components.Ci;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Images;
using Kiln.Model;

namespace Kiln.Tests.Images;

/// <summary>
/// The CI flow on one machine, each runner a separate folder: image jobs build with the publish stage skipped (a
/// later wave builds on an earlier one's download), their output folders are copied as a download would, and the
/// final publish-only run verifies them and runs the real publishers (shell-local, checksum, manifest). A tampered
/// or partial download is refused before anything is published.
/// </summary>
public sealed class PublishBuiltTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-publish-built-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string PublishedLog => Path.Combine(_root, "published.log");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private ImageRepository Runner()
    {
        var runner = new ImageRepository();
        runner.Write("templates/base.kiln.yaml", """
            name: base
            sources:
              local: { type: file-image, content: "base layer\n" }
            """);
        runner.Write("templates/app.kiln.yaml", $$$"""
            name: app
            depends_on: [base]
            variables:
              release_token: { sensitive: true }
            sources:
              local: { type: file-image, base_file: "{{ image.base.artifact.img }}", content: "app layer\n" }
            publish:
              - checksum: { types: [sha256] }
              - shell-local:
                  inline: ['for f in $KILN_ARTIFACT_FILES; do echo "$KILN_BUILD_NAME $(cat "$f" | tr "\n" "|") token=$TOKEN" >> {{{PublishedLog}}}; done']
                  environment: { TOKEN: "{{ var.release_token }}" }
            """);
        return runner;
    }

    private static ImageBuildSettings ImageJob(ImageRepository runner, string image) =>
        runner.Settings(image) with { SkippedStages = new HashSet<Stage> { Stage.Publish }, Environment = new Dictionary<string, string> { ["KILN_VAR_release_token"] = SensitiveVariables.Placeholder } };

    /// <summary>Two image jobs on two runners, as the generated workflow runs them; returns the folder a final job downloads into.</summary>
    private async Task<string> BuildOnRunnersAsync()
    {
        var downloads = Path.Combine(_root, "downloads");
        using (var first = Runner())
        {
            var wave1 = await first.BuildAsync(ImageJob(first, "base"));
            Assert.Equal(BuildStatus.Built, wave1["base.local"]);
            var fragment = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(first.Root, "output", "images", "manifest.json"), Token))!;
            var entry = Assert.Single(fragment["builds"]!.AsArray())!;
            Assert.Equal("unpublished", (string?)entry["kiln"]!["status"]);
            Assert.Matches("^[0-9a-f]{64}$", (string?)entry["kiln"]!["files"]![0]!["sha256"]);
            Copy(Path.Combine(first.Root, "output", "images"), Path.Combine(downloads, "image-base-local"));
        } // the first runner is gone: nothing may point into it

        using var second = Runner();
        await ManifestMerger.MergeAsync(downloads, Path.Combine(second.Root, "output", "images"), "merge", Token);
        var wave2 = await second.BuildAsync(ImageJob(second, "app"));
        Assert.Equal(BuildStatus.UpToDate, wave2["base.local"]); // built on the first runner's verified output, not rebuilt
        Assert.Equal(BuildStatus.Built, wave2["app.local"]);
        Assert.False(File.Exists(PublishedLog), "an image job publishes nothing");
        Copy(Path.Combine(second.Root, "output", "images"), Path.Combine(downloads, "image-app-local"));
        return downloads;
    }

    [Fact]
    public async Task The_final_job_verifies_the_downloaded_outputs_and_runs_the_publishers_over_them()
    {
        var downloads = await BuildOnRunnersAsync();
        using var final = Runner();
        var settings = final.Settings() with { Environment = new Dictionary<string, string> { ["KILN_VAR_release_token"] = "real-token" } };

        var outcome = await KilnImages.PublishBuiltAsync(settings, downloads, Token);

        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Results.Select(r => $"{r.Name}: {r.Reason}")));
        Assert.Equal(["base.local", "app.local"], outcome.Results.Select(r => r.Name));
        Assert.All(outcome.Results, r => Assert.Equal([Stage.Publish], r.StageDurations.Keys));
        Assert.Equal(["app.local base layer|app layer| token=real-token"], await File.ReadAllLinesAsync(PublishedLog, Token));
        var app = Path.Combine(final.Root, "output", "images", "app", "local");
        Assert.Equal("base layer\napp layer\n", await File.ReadAllTextAsync(Path.Combine(app, "app.img"), Token));
        Assert.Contains("  app.img", await File.ReadAllTextAsync(Path.Combine(app, "app.local.SHA256SUMS"), Token), StringComparison.Ordinal);

        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(outcome.ManifestPath, Token))!;
        Assert.Equal(outcome.RunId, (string?)manifest["last_run_uuid"]);
        var builds = manifest["builds"]!.AsArray();
        Assert.Equal(["base.local", "app.local"], builds.Select(b => (string?)b!["name"]));
        Assert.All(builds, b => Assert.Equal("succeeded", (string?)b!["kiln"]!["status"]));
        Assert.Equal("app/local/app.img", (string?)builds[1]!["files"]![0]!["name"]);
        Assert.Empty(Directory.GetFiles(Path.Combine(final.Root, "output"), "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_tampered_or_partial_download_is_refused_before_anything_is_published()
    {
        var downloads = await BuildOnRunnersAsync();
        using var final = Runner();
        var settings = final.Settings() with { Environment = new Dictionary<string, string> { ["KILN_VAR_release_token"] = "real-token" } };
        var image = Path.Combine(downloads, "image-app-local", "app", "local", "app.img");
        var text = await File.ReadAllTextAsync(image, Token);
        await File.WriteAllTextAsync(image, text.Replace("app layer", "app LAYER", StringComparison.Ordinal), Token); // same size, other bytes
        File.Delete(Path.Combine(downloads, "image-base-local", "base", "local", "base.img"));

        var error = await Assert.ThrowsAsync<KilnException>(() => KilnImages.PublishBuiltAsync(settings, downloads, Token));

        Assert.StartsWith("refusing to publish: 2 problem(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("image-app-local/app/local/app.img: sha256 ", error.Message, StringComparison.Ordinal);
        Assert.Contains("altered or corrupted since it was built", error.Message, StringComparison.Ordinal);
        Assert.Contains("image-base-local/base/local/base.img: missing", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.False(File.Exists(PublishedLog));
        Assert.False(Directory.Exists(Path.Combine(final.Root, "output")), "nothing is copied or recorded when a check fails");
    }

    [Fact]
    public async Task A_folder_without_unpublished_builds_is_refused()
    {
        using var final = Runner();
        var empty = Directory.CreateDirectory(Path.Combine(_root, "empty")).FullName;

        var settings = final.Settings() with { Environment = new Dictionary<string, string> { ["KILN_VAR_release_token"] = "real-token" } };

        var error = await Assert.ThrowsAsync<KilnException>(() => KilnImages.PublishBuiltAsync(settings, empty, Token));

        Assert.Contains("no manifest.json with builds", error.Message, StringComparison.Ordinal);
    }

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
