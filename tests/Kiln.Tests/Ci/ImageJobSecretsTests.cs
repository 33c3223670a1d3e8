using Kiln.Components;
using Kiln.Targets;
using Spectre.Console.Testing;

namespace Kiln.Tests.Ci;

/// <summary>
/// A CI image job (BuildImages --skip PublishImages) is not given the secrets only publishers use, yet loads its
/// definitions; a run that publishes still demands them.
/// </summary>
public sealed class ImageJobSecretsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-image-job-").FullName;

    public ImageJobSecretsTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(Path.Combine(_root, "templates"));
        File.WriteAllText(Path.Combine(_root, "templates", "base.qcow2"), ""); // validation checks it exists; nothing boots it
        File.WriteAllText(Path.Combine(_root, "templates", "web.kiln.yaml"), """
            name: web
            variables:
              release_token: { sensitive: true }
            sources:
              local: { type: qemu, base: { image: base.qcow2 } }
            publish:
              - github-release: { owner: acme, repository: images, tag: v1, token: "{{ var.release_token }}" }
            """);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task An_image_job_loads_without_publish_only_secrets_and_a_publishing_run_asks_for_them()
    {
        // --only matches nothing, so each run stops right after validation, before anything could boot.
        var (publishing, publishingOutput) = await RunAsync("BuildImages", "--only", "nomatch");
        var (imageJob, imageJobOutput) = await RunAsync("BuildImages", "--skip", "PublishImages", "--only", "nomatch");

        Assert.True(publishing != 0, publishingOutput);
        Assert.Contains("variable 'release_token' has no value", publishingOutput, StringComparison.Ordinal);
        Assert.True(imageJob != 0, imageJobOutput);
        Assert.DoesNotContain("release_token", imageJobOutput, StringComparison.Ordinal);
        Assert.Contains("--only/--except left no source to build", imageJobOutput, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var console = new TestConsole().Width(200);
        var host = new BuildHost(console, new HostEnvironment(new Dictionary<string, string>(), _root, isTerminal: false));
        var exitCode = await host.RunAsync(new ImagesBuild(), [.. arguments, "--no-logo"], cancellationToken: TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        return (exitCode, console.Output);
    }

    private sealed class ImagesBuild : KilnBuild, IKilnImages
    {
        public Target Compile => _ => _.Executes(() => { });
    }
}
