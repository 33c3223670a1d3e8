using System.Text.Json;
using System.Xml.Linq;
using Kiln.Tests.Definitions;

namespace Kiln.Tests.Templates;

/// <summary>
/// <c>dotnet new kiln</c> writes a build that references Kiln.Components at the template's default version. Packed
/// together, the template and the packages must agree, or a new repository's first restore asks for a version that
/// was never published.
/// </summary>
public sealed class TemplateVersionTests
{
    [Fact]
    public void The_template_references_the_version_the_packages_are_packed_at()
    {
        var props = XDocument.Load(Path.Combine(RepositoryFiles.Root, "Directory.Build.props"));
        var version = props.Descendants("Version").Single().Value;

        var templateJson = Path.Combine(RepositoryFiles.Root, "src", "Kiln.Templates", "content", "kiln", ".template.config", "template.json");
        using var template = JsonDocument.Parse(File.ReadAllText(templateJson));
        var templateVersion = template.RootElement.GetProperty("symbols").GetProperty("kilnVersion").GetProperty("defaultValue").GetString();

        Assert.True(
            templateVersion == version,
            $"template.json's kilnVersion default is '{templateVersion}' but Directory.Build.props packs {version}: set the template's default to {version}");
    }
}
