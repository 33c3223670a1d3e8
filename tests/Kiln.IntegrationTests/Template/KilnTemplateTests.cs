using Docker.DotNet.Models;
using Kiln.IntegrationTests.Docker;

namespace Kiln.IntegrationTests.Template;

/// <summary>
/// Kiln as a user gets it: packed packages, <c>dotnet new kiln</c> in a repository holding a console app, then the
/// build the template wrote compiles the app and bakes it into a container image (the Docker builder against the
/// test's dockerd, with the template's own provisioners and verify step), and the app runs inside that image.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class KilnTemplateTests(DockerEngineFixture engine, ScratchRepository repository) : IClassFixture<ScratchRepository>
{
    [Fact]
    public async Task Dotnet_new_kiln_gives_a_build_that_bakes_the_repositorys_app_into_an_image_where_it_runs()
    {
        var validate = await repository.RunAsync("./build.sh", ["ValidateImages"]);
        Assert.True(validate.ExitCode == 0, validate.Output);
        Assert.Contains("image definitions are valid (1 checked)", validate.Output, StringComparison.Ordinal);
        // The CI files the template wrote are what GenerateCi writes for the template's definition.
        Assert.DoesNotContain("stale", validate.Output, StringComparison.Ordinal);

        var tag = $"kiln-template/hello:{Guid.NewGuid():N}";
        var definition = Path.Combine(repository.Root, "templates", "app.kiln.yaml");
        var text = await File.ReadAllTextAsync(definition, TestContext.Current.CancellationToken);
        Assert.Contains("\nsources:\n", text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(definition, text.Replace("\nsources:\n", $"""

            sources:
              container:
                type: docker
                rootfs_tarball: {engine.BaseTarball}
                docker_host: {engine.Host}
                network_mode: none
                changes: ['CMD ["/usr/local/bin/app"]']
                tags: ["{tag}"]

            """, StringComparison.Ordinal), TestContext.Current.CancellationToken);
        try
        {
            var build = await repository.RunAsync("./build.sh", ["BuildImages", "--only", "container"]);

            Assert.True(build.ExitCode == 0, build.Output);
            Assert.Contains("hello from the scratch app", build.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(repository.Root, "output", "app", "Hello")), build.Output);
            Assert.True(File.Exists(Path.Combine(repository.Root, "output", "images", "manifest.json")), build.Output);
            var run = await engine.DockerAsync($"run --rm --network none {tag}", TestContext.Current.CancellationToken);
            Assert.True(run.ExitCode == 0, run.All);
            Assert.Equal("hello from the scratch app", run.Output.Trim());
        }
        finally
        {
            using var client = engine.CreateClient();
            var found = await client.Images.ListImagesAsync(
                new ImagesListParameters { Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [tag] = true } } },
                CancellationToken.None);
            foreach (var image in found)
            {
                await client.Images.DeleteImageAsync(image.ID, new ImageDeleteParameters { Force = true }, CancellationToken.None);
            }

            await File.WriteAllTextAsync(definition, text, CancellationToken.None);
        }
    }
}
