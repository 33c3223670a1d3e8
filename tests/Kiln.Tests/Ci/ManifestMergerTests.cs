using System.Text.Json.Nodes;
using Kiln.Components.Ci;
using Kiln.Diagnostics;

namespace Kiln.Tests.Ci;

public sealed class ManifestMergerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-merge-").FullName;

    [Fact]
    public async Task Outputs_from_separate_runners_merge_into_one_packer_shaped_manifest_with_their_files()
    {
        WriteInput("image-base-local", "base", "local", "run-a");
        WriteInput("image-web-local", "web", "local", "run-b");
        var output = Path.Combine(_root, "out");

        var result = await ManifestMerger.MergeAsync(Path.Combine(_root, "in"), output, "merged-run", TestContext.Current.CancellationToken);

        Assert.Equal((2, 2), (result.Inputs, result.Builds));
        var manifest = JsonNode.Parse(File.ReadAllText(result.ManifestPath))!;
        Assert.Equal("merged-run", manifest["last_run_uuid"]!.GetValue<string>());
        var builds = manifest["builds"]!.AsArray();
        Assert.Equal(["base/local", "web/local"], builds.Select(b => b!["name"]!.GetValue<string>()));
        Assert.Equal(["run-a", "run-b"], builds.Select(b => b!["packer_run_uuid"]!.GetValue<string>()));
        foreach (var build in builds)
        {
            var file = build!["files"]![0]!["name"]!.GetValue<string>();
            Assert.True(File.Exists(Path.Combine(output, file)), file);
        }

        Assert.Empty(Directory.GetFiles(output, "*.tmp"));
    }

    [Fact]
    public async Task No_manifest_in_the_inputs_is_an_error_with_a_hint()
    {
        Directory.CreateDirectory(Path.Combine(_root, "in", "empty"));
        var error = await Assert.ThrowsAsync<KilnException>(() => ManifestMerger.MergeAsync(Path.Combine(_root, "in"), Path.Combine(_root, "out"), "x", TestContext.Current.CancellationToken));
        Assert.Contains("no manifest.json", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_root, "out", "manifest.json")));
    }

    private void WriteInput(string artifact, string image, string source, string runId)
    {
        var dir = Path.Combine(_root, "in", artifact);
        Directory.CreateDirectory(Path.Combine(dir, image, source));
        File.WriteAllText(Path.Combine(dir, image, source, "disk.qcow2"), image);
        var manifest = new JsonObject
        {
            ["builds"] = new JsonArray(new JsonObject
            {
                ["name"] = $"{image}/{source}",
                ["files"] = new JsonArray(new JsonObject { ["name"] = $"{image}/{source}/disk.qcow2", ["size"] = image.Length }),
                ["packer_run_uuid"] = runId,
            }),
            ["last_run_uuid"] = runId,
        };
        File.WriteAllText(Path.Combine(dir, "manifest.json"), manifest.ToJsonString());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
