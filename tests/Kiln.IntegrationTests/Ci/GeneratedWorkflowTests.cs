using Kiln.Components.Ci;
using Kiln.Images;

namespace Kiln.IntegrationTests.Ci;

public sealed class GeneratedWorkflowTests(WorkflowParser parser) : IClassFixture<WorkflowParser>, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kiln-ci-gen-").FullName;

    [Fact]
    public async Task The_committed_GitHub_workflow_is_accepted_by_GitHubs_parser()
    {
        var (exitCode, output) = await parser.ValidateAsync(Path.Combine(WorkflowParser.Root, ".github", "workflows", "images.yml"), TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("jobs: build,images_1,publish", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_workflow_with_dependent_images_and_secrets_is_accepted_by_GitHubs_parser()
    {
        var templates = Path.Combine(_root, "templates");
        Directory.CreateDirectory(templates);
        File.WriteAllText(Path.Combine(templates, "base.kiln.yaml"), "name: base\nsources:\n  local: { type: qemu, base: { bootstrap: { suite: bookworm } } }\n");
        File.WriteAllText(Path.Combine(templates, "web.kiln.yaml"), """
            name: web
            depends_on: [base]
            variables:
              db_password: { sensitive: true }
            sources:
              local: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" } }
              other-platform: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" } }
            """);
        var files = CiFiles.Generate(new ImageBuildSettings { Templates = "templates", WorkingDirectory = _root, Environment = new Dictionary<string, string>() }, _root, "images.yml", "azure-pipelines.yml");
        files.Write();

        var (exitCode, output) = await parser.ValidateAsync(files.GitHubPath, TestContext.Current.CancellationToken);

        Assert.True(exitCode == 0, output);
        Assert.Contains("jobs: build,images_1,images_2,publish", output, StringComparison.Ordinal);
        Assert.Contains("KILN_VAR_db_password: ${{ secrets.KILN_VAR_DB_PASSWORD }}", files.GitHubContent, StringComparison.Ordinal);
        Assert.DoesNotContain("kiln-ci-placeholder", files.GitHubContent + files.AzureContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_parser_rejects_a_broken_workflow_so_acceptance_means_something()
    {
        var path = Path.Combine(_root, "broken.yml");
        File.WriteAllText(path, (await File.ReadAllTextAsync(Path.Combine(WorkflowParser.Root, ".github", "workflows", "images.yml"), TestContext.Current.CancellationToken))
            .Replace("needs: [build]", "needs: [no_such_job]", StringComparison.Ordinal)
            .Replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    timeout-minutes: ${{ fromJSON( }}", StringComparison.Ordinal));

        var (exitCode, output) = await parser.ValidateAsync(path, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("broken.yml (Line:", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
