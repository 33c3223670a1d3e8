using Kiln.Engine;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.Tests.Publishers;

public sealed class ManifestReaderTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-manifest-").FullName;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private string Manifest => Path.Combine(_root, "output", "manifest.json");

    [Fact]
    public async Task Finds_the_last_successful_run_of_an_image_and_source_with_all_its_artifacts()
    {
        await RecordAsync("web", "qemu", "fp-old", ok: true, "old");
        var last = await RecordAsync("web", "qemu", "fp-new", ok: true, "disk", "box");
        await RecordAsync("web", "qemu", "fp-broken", ok: false, "broken");
        await RecordAsync("web", "docker", "fp-docker", ok: true, "image");
        await RecordAsync("api", "qemu", "fp-api", ok: true, "api");

        var record = await ManifestReader.FindLastSuccessfulAsync(Manifest, "web", "qemu", Token);

        Assert.NotNull(record);
        Assert.Equal(last, record.RunId);
        Assert.Equal("fp-new", record.Fingerprint);
        Assert.Equal(["disk", "box"], record.Artifacts.Select(a => a.Id));
        var file = Assert.Single(record.Artifacts[0].Files);
        Assert.Equal(Path.Combine(_root, "output", "web", "qemu", "web.qemu", "disk"), file.Path);
        Assert.NotNull(file.Sha256);
        Assert.Equal(file.Path, record.Artifacts[0].Outputs["path"]);
        Assert.True(record.IsReusableFor("fp-new"));
        Assert.False(record.IsReusableFor("fp-other"));
    }

    [Fact]
    public async Task A_deleted_or_changed_file_makes_the_run_not_reusable()
    {
        await RecordAsync("web", "qemu", "fp", ok: true, "disk", "box");
        var record = (await ManifestReader.FindLastSuccessfulAsync(Manifest, "web", "qemu", Token))!;
        var disk = record.Artifacts[0].Files[0].Path;
        var box = record.Artifacts[1].Files[0].Path;

        File.Delete(disk);
        File.AppendAllText(box, "more");

        Assert.Equal([disk, box], record.MissingFiles());
        Assert.False(record.IsReusableFor("fp"));
    }

    [Fact]
    public async Task No_manifest_or_no_matching_entry_is_null()
    {
        Assert.Null(await ManifestReader.FindLastSuccessfulAsync(Manifest, "web", "qemu", Token));
        await RecordAsync("web", "qemu", "fp", ok: false, "disk");
        Assert.Null(await ManifestReader.FindLastSuccessfulAsync(Manifest, "web", "qemu", Token));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private async Task<string> RecordAsync(string image, string source, string fingerprint, bool ok, params string[] artifactIds)
    {
        using var build = new PublishTestBuild(image, source, root: _root);
        build.State.Fingerprint = fingerprint;
        build.State.Checks.Add(new CheckResult("check", ok));
        var artifacts = artifactIds.Select(id =>
        {
            var path = build.WriteFile(Path.Combine($"{image}.{source}", id), 100 + id.Length);
            return PublishTestBuild.ArtifactOf("qemu", id, path) with { Outputs = new Dictionary<string, string> { ["path"] = path } };
        }).ToList();
        await ((IPublisher)new ManifestPublisher()).PublishAsync(new ManifestConfig(), build.State, artifacts, Token);
        return build.Context.RunId;
    }
}
