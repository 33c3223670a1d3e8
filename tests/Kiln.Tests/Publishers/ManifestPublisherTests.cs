using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.Tests.Publishers;

public sealed class ManifestPublisherTests
{
    private readonly IPublisher _publisher = new ManifestPublisher();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Manifest_reads_as_Packers_documented_shape()
    {
        using var build = new PublishTestBuild(image: "web", source: "qemu");
        var disk = build.WriteFile("web/disk.qcow2", 4096);
        build.State.Fingerprint = "fp-1";
        build.State.Timings.Add(new StepTiming("boot", Stage.Boot, TimeSpan.FromSeconds(2.5), StepOutcome.Succeeded));
        build.State.Timings.Add(new StepTiming("shell", Stage.Provision, TimeSpan.FromSeconds(1.25), StepOutcome.Succeeded));
        build.State.Timings.Add(new StepTiming("shell 2", Stage.Provision, TimeSpan.FromSeconds(1), StepOutcome.Succeeded));
        build.State.Checks.Add(new CheckResult("nginx answers", true, "200 OK"));
        var input = PublishTestBuild.ArtifactOf("qemu", "web-disk", disk) with
        {
            Outputs = new Dictionary<string, string> { ["qcow2"] = disk },
            CustomData = new Dictionary<string, string> { ["from_builder"] = "1" },
        };

        var returned = await _publisher.PublishAsync(
            new ManifestConfig { CustomData = new Dictionary<string, string> { ["team"] = "infra" } }, build.State, [input], Token);

        Assert.Same(input, Assert.Single(returned));
        var path = build.Manifest;
        var manifest = JsonSerializer.Deserialize<PackerManifest>(File.ReadAllBytes(path), PackerManifest.Options)!;
        var entry = Assert.Single(manifest.Builds);
        Assert.Equal(build.Context.RunId, manifest.LastRunUuid);
        Assert.Equal("web.qemu", entry.Name);
        Assert.Equal("qemu", entry.BuilderType);
        Assert.InRange(entry.BuildTime, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("web-disk", entry.ArtifactId);
        Assert.Equal(build.Context.RunId, entry.PackerRunUuid);
        Assert.Equal(new PackerFile("web/qemu/web/disk.qcow2", 4096), Assert.Single(entry.Files));
        Assert.Equal(new Dictionary<string, string> { ["from_builder"] = "1", ["team"] = "infra" }, entry.CustomData);

        var kiln = JsonNode.Parse(File.ReadAllText(path))!["builds"]![0]!["kiln"]!;
        Assert.Equal("web", (string?)kiln["image"]);
        Assert.Equal("qemu", (string?)kiln["source"]);
        Assert.Equal("fp-1", (string?)kiln["fingerprint"]);
        Assert.Equal("succeeded", (string?)kiln["status"]);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(disk))), (string?)kiln["files"]![0]!["sha256"]);
        Assert.Equal(2.5, (double)kiln["stages"]!["boot"]!);
        Assert.Equal(2.25, (double)kiln["stages"]!["provision"]!);
        Assert.Equal(3, kiln["steps"]!.AsArray().Count);
        Assert.Equal("200 OK", (string?)kiln["checks"]![0]!["detail"]);
        Assert.Equal(disk, (string?)kiln["outputs"]!["qcow2"]);
    }

    [Fact]
    public async Task Each_run_appends_and_moves_last_run_uuid_keeping_what_others_wrote()
    {
        var root = Directory.CreateTempSubdirectory("kiln-manifest-").FullName;
        try
        {
            var manifest = Path.Combine(root, "output", "manifest.json");
            Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
            // As Packer itself would have written it, plus a field of some other tool.
            File.WriteAllText(manifest, """
                {
                  "builds": [
                    { "name": "docker", "builder_type": "docker", "build_time": 1507245986,
                      "files": [ { "name": "packer_example", "size": 102219776 } ],
                      "artifact_id": "Container", "packer_run_uuid": "6d5d3185-fa95-44e1-8775-9e64fe2e2d8f",
                      "custom_data": { "my_custom_data": "example" }, "extra": 42 }
                  ],
                  "last_run_uuid": "6d5d3185-fa95-44e1-8775-9e64fe2e2d8f"
                }
                """);
            string? lastRun = null;
            for (var run = 0; run < 2; run++)
            {
                using var build = new PublishTestBuild(root: root);
                await _publisher.PublishAsync(new ManifestConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", $"run{run}")], Token);
                lastRun = build.Context.RunId;
            }

            var document = JsonSerializer.Deserialize<PackerManifest>(File.ReadAllBytes(manifest), PackerManifest.Options)!;
            Assert.Equal(["Container", "run0", "run1"], document.Builds.Select(b => b.ArtifactId));
            Assert.Equal(lastRun, document.LastRunUuid);
            Assert.Equal(42, (int)JsonNode.Parse(File.ReadAllText(manifest))!["builds"]![0]!["extra"]!);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_manifest_it_cannot_read_is_left_alone_with_a_clear_error()
    {
        using var build = new PublishTestBuild();
        var path = build.Manifest;
        File.WriteAllText(path, "{ \"builds\": [ ");

        var error = await Assert.ThrowsAsync<KilnException>(() =>
            _publisher.PublishAsync(new ManifestConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", "x")], Token));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Hint);
        Assert.Equal("{ \"builds\": [ ", File.ReadAllText(path));
    }

    [Fact]
    public async Task Secrets_never_reach_the_manifest()
    {
        using var build = new PublishTestBuild();
        build.Context.Redactor.Add("hunter2-secret");
        var input = PublishTestBuild.ArtifactOf("qemu", "id-hunter2-secret") with
        {
            Outputs = new Dictionary<string, string> { ["url"] = "https://u:hunter2-secret@host" },
        };
        build.State.Checks.Add(new CheckResult("login", false, "password hunter2-secret rejected"));

        await _publisher.PublishAsync(
            new ManifestConfig { CustomData = new Dictionary<string, string> { ["token"] = "hunter2-secret" } }, build.State, [input], Token);

        var text = File.ReadAllText(build.Manifest);
        Assert.DoesNotContain("hunter2-secret", text, StringComparison.Ordinal);
        Assert.Contains("\"failed\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_parallel_builds_writing_one_manifest_lose_no_entry()
    {
        var root = Directory.CreateTempSubdirectory("kiln-manifest-").FullName;
        try
        {
            const int Writers = 24;
            var builds = Enumerable.Range(0, Writers).Select(i => new PublishTestBuild(image: $"image{i}", root: root)).ToList();
            await Parallel.ForEachAsync(builds, new ParallelOptions { MaxDegreeOfParallelism = Writers, CancellationToken = Token }, async (build, ct) =>
            {
                for (var round = 0; round < 3; round++)
                {
                    await _publisher.PublishAsync(new ManifestConfig(), build.State, [PublishTestBuild.ArtifactOf("qemu", $"{build.Context.Image.Name}-{round}")], ct);
                }
            });

            var manifest = JsonSerializer.Deserialize<PackerManifest>(
                File.ReadAllBytes(Path.Combine(root, "output", "manifest.json")), PackerManifest.Options)!;
            Assert.Equal(
                Enumerable.Range(0, Writers).SelectMany(i => Enumerable.Range(0, 3).Select(r => $"image{i}-{r}")).Order(),
                manifest.Builds.Select(b => b.ArtifactId).Order());
            Assert.Contains(manifest.LastRunUuid, builds.Select(b => b.Context.RunId));
            Assert.Empty(Directory.GetFiles(Path.Combine(root, "output"), "*.partial"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_lock_held_too_long_fails_with_a_hint_instead_of_hanging()
    {
        using var build = new PublishTestBuild();
        var path = build.Manifest;
        await using var held = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        var error = await Assert.ThrowsAsync<KilnException>(() => _publisher.PublishAsync(
            new ManifestConfig { LockTimeout = TimeSpan.FromMilliseconds(300) }, build.State, [PublishTestBuild.ArtifactOf("qemu", "x")], Token));

        Assert.Contains("another build", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }
}

/// <summary>Packer's manifest as its documentation describes it; deserialising into it is what a Packer-style consumer does.</summary>
internal sealed record PackerManifest(
    [property: JsonPropertyName("builds"), JsonRequired] IReadOnlyList<PackerBuild> Builds,
    [property: JsonPropertyName("last_run_uuid"), JsonRequired] string LastRunUuid)
{
    public static readonly JsonSerializerOptions Options = new() { RespectNullableAnnotations = true };
}

internal sealed record PackerBuild(
    [property: JsonPropertyName("name"), JsonRequired] string Name,
    [property: JsonPropertyName("builder_type"), JsonRequired] string BuilderType,
    [property: JsonPropertyName("build_time"), JsonRequired] long BuildTime,
    [property: JsonPropertyName("files"), JsonRequired] IReadOnlyList<PackerFile> Files,
    [property: JsonPropertyName("artifact_id"), JsonRequired] string ArtifactId,
    [property: JsonPropertyName("packer_run_uuid"), JsonRequired] string PackerRunUuid,
    [property: JsonPropertyName("custom_data")] Dictionary<string, string>? CustomData);

internal sealed record PackerFile(
    [property: JsonPropertyName("name"), JsonRequired] string Name,
    [property: JsonPropertyName("size"), JsonRequired] long Size);
