using System.Text.Json;
using Docker.DotNet.Models;
using Kiln.Builders.Docker;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Publishers;
using Kiln.Testing;

namespace Kiln.IntegrationTests.Docker;

/// <summary>One image, built once from the Debian base, published every way; real consumers read each result.</summary>
[Collection(DockerEngineCollection.Name)]
public sealed class DockerPublisherTests(DockerEngineFixture engine) : IAsyncLifetime
{
    private readonly TestLog _log = new();
    private IBuildPipeline? _pipeline;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private BuildState State => _pipeline!.State;

    private Artifact Image => State.Artifacts[0];

    public async ValueTask InitializeAsync()
    {
        var config = DockerTestBuild.Config(
            engine,
            changes: ["CMD [\"cat\", \"/etc/published\"]"],
            tags: [$"kiln-test/published:{Guid.NewGuid():N}"]);
        _pipeline = new DockerBuilder().CreatePipeline(DockerTestBuild.Context(config, log: _log));
        await _pipeline.RunAsync(Stage.Boot, Token);
        await DockerTestBuild.RunAsync(State.Communicator!, "echo published content > /etc/published", Token);
        await _pipeline.RunAsync(Stage.Capture, Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_pipeline is not null)
        {
            var imageId = _pipeline.State.Artifacts.FirstOrDefault()?.Id;
            await _pipeline.DisposeAsync();
            if (imageId is not null)
            {
                using var client = engine.CreateClient();
                await client.Images.DeleteImageAsync(imageId, new ImageDeleteParameters { Force = true }, CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task Push_sends_the_image_to_the_registry_with_credentials_that_never_reach_the_log_and_it_pulls_back_by_digest()
    {
        var repository = $"{engine.Registry}/team/web";
        var publisher = (IPublisher)new DockerPushPublisher();
        var config = new DockerPushConfig
        {
            Username = DockerEngineFixture.RegistryUser,
            Password = DockerEngineFixture.RegistryPassword,
            Repository = repository,
            Tags = ["1.0", "stable"],
        };

        var pushed = Assert.Single(await publisher.PublishAsync(config, State, State.Artifacts, Token));

        var digest = pushed.CustomData["digest"];
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
        Assert.Equal($"{repository}@{digest}", pushed.Outputs["image"]);
        Assert.Equal(Image.Id, pushed.CustomData["image_id"]);
        Assert.Equal($"{repository}:1.0,{repository}:stable", pushed.CustomData["pushed"]);
        Assert.DoesNotContain(DockerEngineFixture.RegistryPassword, _log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(DockerEngineFixture.RegistryPassword, JsonSerializer.Serialize(pushed), StringComparison.Ordinal);

        // The registry's own view, then a pull by digest into an engine that no longer has the tags.
        var inspect = await ProcessRunner.RunAsync(
            "skopeo", $"inspect --tls-verify=false --creds {DockerEngineFixture.RegistryUser}:{DockerEngineFixture.RegistryPassword} docker://{repository}:stable", Token);
        Assert.True(inspect.ExitCode == 0, inspect.All);
        Assert.Equal(digest, JsonDocument.Parse(inspect.Output).RootElement.GetProperty("Digest").GetString());

        Assert.Equal(0, (await engine.DockerAsync($"rmi {repository}:1.0 {repository}:stable", Token)).ExitCode);
        var login = await engine.DockerAsync($"login -u {DockerEngineFixture.RegistryUser} -p {DockerEngineFixture.RegistryPassword} {engine.Registry}", Token);
        Assert.True(login.ExitCode == 0, login.All);
        var pull = await engine.DockerAsync($"pull {repository}@{digest}", Token);
        Assert.True(pull.ExitCode == 0, pull.All);
        var run = await engine.DockerAsync($"run --rm --network none {repository}@{digest}", Token);
        Assert.Equal("published content", run.Output.Trim());
        await engine.DockerAsync($"rmi {repository}@{digest}", Token);
    }

    [Fact]
    public async Task Push_without_credentials_to_a_registry_that_needs_them_fails_with_a_hint()
    {
        var publisher = (IPublisher)new DockerPushPublisher();
        var config = new DockerPushConfig { Repository = $"{engine.Registry}/team/anonymous" };

        var error = await Assert.ThrowsAsync<KilnException>(() => publisher.PublishAsync(config, State, State.Artifacts, Token));

        Assert.Contains($"{engine.Registry}/team/anonymous", error.Message, StringComparison.Ordinal);
        Assert.Contains("credentials", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_writes_a_docker_archive_with_the_tags_and_its_checksum()
    {
        var path = Path.Combine(State.Context.OutputDirectory, "saved", "image.tar");
        var publisher = (IPublisher)new DockerSavePublisher();

        var saved = Assert.Single(await publisher.PublishAsync(new DockerSaveConfig { Path = path }, State, State.Artifacts, Token));

        var file = Assert.Single(saved.Files);
        Assert.Equal(path, file.Path);
        Assert.Equal(new FileInfo(path).Length, file.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), file.Sha256);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.partial"));
        var tag = Image.CustomData["tags"];
        var inspect = await ProcessRunner.RunAsync("skopeo", $"inspect docker-archive:{path}:{tag}", Token);
        Assert.True(inspect.ExitCode == 0, inspect.All);
        Assert.Equal(Image.Id, saved.CustomData["image_id"]);
    }

    [Fact]
    public async Task Oci_export_is_a_layout_that_skopeo_and_umoci_read()
    {
        var path = Path.Combine(State.Context.OutputDirectory, "web.oci");
        var publisher = (IPublisher)new DockerOciPublisher();

        var exported = Assert.Single(await publisher.PublishAsync(new DockerOciConfig { Path = path, Tag = "v1" }, State, State.Artifacts, Token));

        var inspect = await ProcessRunner.RunAsync("skopeo", $"inspect oci:{path}:v1", Token);
        Assert.True(inspect.ExitCode == 0, inspect.All);
        var json = JsonDocument.Parse(inspect.Output).RootElement;
        Assert.Equal(exported.CustomData["digest"], json.GetProperty("Digest").GetString());
        Assert.Equal(2, json.GetProperty("Layers").GetArrayLength());

        var bundle = Path.Combine(State.Context.WorkDirectory, "bundle");
        var unpack = await ProcessRunner.RunAsync("umoci", $"unpack --image {path}:v1 {bundle}", Token);
        Assert.True(unpack.ExitCode == 0, unpack.All);
        Assert.Equal("published content\n", await File.ReadAllTextAsync(Path.Combine(bundle, "rootfs", "etc", "published"), Token));
        var runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(bundle, "config.json"), Token)).RootElement;
        Assert.Equal(["cat", "/etc/published"], runtimeConfig.GetProperty("process").GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Empty(Directory.GetDirectories(State.Context.OutputDirectory, "*.partial"));
    }
}
