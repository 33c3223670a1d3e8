using System.Text.Json.Nodes;
using Kiln.Engine;
using Kiln.Images;

namespace Kiln.Tests.Images;

public sealed class IncrementalBuildTests : IDisposable
{
    private readonly ImageRepository _repo = new();

    public IncrementalBuildTests()
    {
        _repo.Write("templates/base.kiln.yaml", """
            name: base
            variables:
              greeting: { type: string, default: hello }
            sources:
              disk: { type: file-image, content: "{{ var.greeting }} {{ timestamp }} {{ uuid }}", base_file: base.txt }
            provision:
              - shell-local: { script: scripts/setup.sh }
            """);
        _repo.Write("templates/base.txt", "base v1\n");
        _repo.Write("templates/scripts/setup.sh", "true\n");
        _repo.Write("templates/app.kiln.yaml", """
            name: app
            depends_on: [base]
            sources:
              disk: { type: file-image, content: "app on {{ image.base.artifact.img }}" }
              other: { type: file-image, content: "other" }
            """);
        _repo.Write("templates/solo.kiln.yaml", """
            name: solo
            sources:
              disk: { type: file-image, content: solo }
            """);
    }

    [Fact]
    public async Task A_second_run_with_nothing_changed_builds_nothing()
    {
        var first = await _repo.BuildAsync(_repo.Settings());
        var second = await _repo.BuildAsync(_repo.Settings());

        Assert.All(first.Values, s => Assert.Equal(BuildStatus.Built, s));
        Assert.Equal(4, second.Count);
        Assert.All(second.Values, s => Assert.Equal(BuildStatus.UpToDate, s));
    }

    [Fact]
    public async Task Touching_a_provisioning_script_rebuilds_its_image_and_its_dependents_only()
    {
        await _repo.BuildAsync(_repo.Settings());
        _repo.Write("templates/scripts/setup.sh", "true # changed\n");

        var after = await _repo.BuildAsync(_repo.Settings());

        Assert.Equal(BuildStatus.Built, after["base.disk"]);
        Assert.Equal(BuildStatus.Built, after["app.disk"]);
        Assert.Equal(BuildStatus.Built, after["app.other"]);
        Assert.Equal(BuildStatus.UpToDate, after["solo.disk"]);
    }

    [Fact]
    public async Task A_changed_base_file_rebuilds()
    {
        await _repo.BuildAsync(_repo.Settings("base"));
        _repo.Write("templates/base.txt", "base v2\n");

        Assert.Equal(BuildStatus.Built, (await _repo.BuildAsync(_repo.Settings("base")))["base.disk"]);
    }

    [Fact]
    public async Task A_changed_variable_rebuilds_and_the_same_value_again_does_not()
    {
        await _repo.BuildAsync(_repo.Settings("base"));

        var changed = await _repo.BuildAsync(_repo.Settings("base") with { Vars = ["greeting=hi"] });
        var again = await _repo.BuildAsync(_repo.Settings("base") with { Vars = ["greeting=hi"] });

        Assert.Equal(BuildStatus.Built, changed["base.disk"]);
        Assert.Equal(BuildStatus.UpToDate, again["base.disk"]);
    }

    [Fact]
    public async Task A_deleted_artifact_rebuilds_and_force_rebuilds_everything()
    {
        await _repo.BuildAsync(_repo.Settings("solo"));
        File.Delete(Path.Combine(_repo.Root, "output", "images", "solo", "disk", "solo.img"));

        var missing = await _repo.BuildAsync(_repo.Settings("solo"));
        var forced = await _repo.BuildAsync(_repo.Settings("solo") with { Force = true });

        Assert.Equal(BuildStatus.Built, missing["solo.disk"]);
        Assert.Equal(BuildStatus.Built, forced["solo.disk"]);
    }

    [Fact]
    public async Task Every_build_is_recorded_in_the_run_wide_packer_style_manifest_with_its_fingerprint()
    {
        var outcome = await KilnImages.BuildAsync(_repo.Settings("solo"), TestContext.Current.CancellationToken);
        var run = await ImageBuildRun.PrepareAsync(_repo.Settings("solo"), TestContext.Current.CancellationToken);

        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(outcome.ManifestPath, TestContext.Current.CancellationToken))!;
        var build = manifest["builds"]!.AsArray().Single()!;
        Assert.Equal(outcome.RunId, (string?)manifest["last_run_uuid"]);
        Assert.Equal("solo.disk", (string?)build["name"]);
        Assert.Equal("file-image", (string?)build["builder_type"]);
        Assert.Equal(run.Builds.Single().Fingerprint, (string?)build["kiln"]!["fingerprint"]);
        Assert.True(run.Builds.Single().UpToDate);
    }

    [Fact]
    public async Task A_dependency_that_was_not_asked_for_is_built_first_and_its_outputs_are_interpolated()
    {
        var results = await _repo.BuildAsync(_repo.Settings("app") with { Only = ["disk"] });

        Assert.Equal(["base.disk", "app.disk"], results.Keys);
        var app = await File.ReadAllTextAsync(Path.Combine(_repo.Root, "output", "images", "app", "disk", "app.img"), TestContext.Current.CancellationToken);
        Assert.Equal($"app on {Path.Combine(_repo.Root, "output", "images", "base", "disk", "base.img")}", app);
    }

    public void Dispose() => _repo.Dispose();
}
