using Docker.DotNet.Models;
using Kiln.IntegrationTests.Docker;

namespace Kiln.IntegrationTests.Template;

/// <summary>
/// Kiln as a user gets it: packed packages, <c>dotnet new kiln</c> in a repository holding a console app, then the
/// build the template wrote compiles the app and bakes it into a container image (the Docker builder against the
/// test's dockerd, with the template's own provisioners and verify step), and the app runs inside that image.
/// <c>pwsh ./build.ps1</c> (PowerShell 7.6.9, the dotnet tool) gives the same answers and exit codes as
/// <c>./build.sh</c> there: 0 success, 1 a failed target, 2 a usage error.
/// </summary>
[Collection(DockerEngineCollection.Name)]
public sealed class KilnTemplateTests(DockerEngineFixture engine, ScratchRepository repository) : IClassFixture<ScratchRepository>
{
    [Fact]
    public async Task Dotnet_new_kiln_gives_a_build_that_bakes_the_repositorys_app_into_an_image_where_it_runs()
    {
        // The definition bakes in Compile's output, which validation checks exists; tests share the repository and run
        // in any order, so this one compiles first too.
        var validate = await repository.BuildAsync("Compile", "ValidateImages");
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
            var build = await repository.BuildAsync("BuildImages", "--only", "container");

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

    [Fact]
    public async Task Help_and_a_usage_error_exit_as_build_sh_does()
    {
        var help = await repository.PowerShellBuildAsync("--help");
        var usage = await repository.PowerShellBuildAsync("--no-such-option");
        var bashUsage = await repository.BuildAsync("--no-such-option");

        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Contains("BuildImages", help.Output, StringComparison.Ordinal);
        Assert.Contains("--solution", help.Output, StringComparison.Ordinal);
        Assert.Equal(2, bashUsage.ExitCode);
        Assert.True(usage.ExitCode == 2, usage.Output);
        Assert.Contains("no-such-option", usage.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compile_builds_the_detected_solution_and_publishes_its_app()
    {
        var app = Path.Combine(repository.Root, "output", "app", "Hello");
        if (File.Exists(app))
        {
            File.Delete(app);
        }

        var compile = await repository.PowerShellBuildAsync("Compile");

        Assert.True(compile.ExitCode == 0, compile.Output);
        Assert.Contains("Hello.dll", compile.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(app), compile.Output);
    }

    [Fact]
    public async Task ValidateImages_passes_on_the_template_and_fails_with_exit_code_1_and_the_location_on_a_broken_definition()
    {
        var broken = Path.Combine(repository.Root, "broken-templates");
        Directory.CreateDirectory(broken);
        var definition = await File.ReadAllTextAsync(Path.Combine(repository.Root, "templates", "app.kiln.yaml"), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(broken, "app.kiln.yaml"), definition.Replace("memory: 1024", "memory: lots", StringComparison.Ordinal), TestContext.Current.CancellationToken);
        try
        {
            // The definition bakes in Compile's output, which validation checks exists, as a user's first run would.
            var valid = await repository.PowerShellBuildAsync("Compile", "ValidateImages");
            var invalid = await repository.PowerShellBuildAsync("ValidateImages", "--templates", "broken-templates");
            var bashInvalid = await repository.BuildAsync("ValidateImages", "--templates", "broken-templates");

            Assert.True(valid.ExitCode == 0, valid.Output);
            Assert.Contains("image definitions are valid (1 checked)", valid.Output, StringComparison.Ordinal);
            Assert.Equal(1, bashInvalid.ExitCode);
            Assert.True(invalid.ExitCode == 1, invalid.Output);
            Assert.Contains("app.kiln.yaml:", invalid.Output, StringComparison.Ordinal);
            Assert.Contains("memory", invalid.Output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(broken, recursive: true);
        }
    }
}
