using Kiln.Components.Ci;
using Kiln.Images;
using Kiln.Tests.Definitions;

namespace Kiln.Tests.Ci;

/// <summary>
/// The CI files <c>dotnet new kiln</c> writes are what GenerateCi writes for the template's own definition, so a new
/// repository's first ValidateImages does not call them stale. After changing the CI writers, regenerate them (and
/// the repository's own): KILN_UPDATE_CI=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj --filter "FullyQualifiedName~TemplateCiFilesTests"
/// </summary>
public sealed class TemplateCiFilesTests
{
    private static string TemplateRoot => Path.Combine(RepositoryFiles.Root, "src", "Kiln.Templates", "content", "kiln");

    [Fact]
    public void The_template_CI_files_are_what_GenerateCi_writes_for_the_template_definition()
    {
        var template = CiFiles.Generate(
            new ImageBuildSettings
            {
                Templates = "templates",
                WorkingDirectory = TemplateRoot,
                // What the template's build hands its definition; CI generation needs values, not these ones.
                Environment = new Dictionary<string, string> { ["KILN_VAR_app_dir"] = "output/app", ["KILN_VAR_app_name"] = "App" },
            },
            TemplateRoot, Path.Combine(".github", "workflows", "images.yml"), "azure-pipelines.yml");
        if (Environment.GetEnvironmentVariable("KILN_UPDATE_CI") == "1")
        {
            template.Write();
            CiFiles.Generate(new ImageBuildSettings { Templates = "templates", WorkingDirectory = RepositoryFiles.Root }, RepositoryFiles.Root, Path.Combine(".github", "workflows", "images.yml"), "azure-pipelines.yml").Write();
        }

        Assert.True(template.Stale().Count == 0, $"stale: {string.Join(", ", template.Stale())}; regenerate with KILN_UPDATE_CI=1 (see this test's summary)");
    }
}
