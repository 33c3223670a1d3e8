using Kiln.Definitions;
using Kiln.Plugins;

namespace Kiln.Tests.Definitions;

public sealed class ReferenceDocsTests
{
    private static string ReferenceDirectory => Path.Combine(RepositoryFiles.Root, "docs", "reference");

    /// <summary>
    /// The committed pages match the plugins compiled into Kiln. After adding or changing a plugin config, regenerate
    /// them: KILN_UPDATE_DOCS=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj --filter "FullyQualifiedName~ReferenceDocsTests"
    /// </summary>
    [Fact]
    public void The_committed_reference_pages_are_up_to_date()
    {
        var pages = ReferenceDocs.Generate(PluginCatalog.Default);
        if (Environment.GetEnvironmentVariable("KILN_UPDATE_DOCS") == "1")
        {
            if (Directory.Exists(ReferenceDirectory))
            {
                Directory.Delete(ReferenceDirectory, recursive: true);
            }

            foreach (var (path, text) in pages)
            {
                var file = Path.Combine(ReferenceDirectory, path);
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, text);
            }
        }

        const string Regenerate = "regenerate: KILN_UPDATE_DOCS=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj --filter \"FullyQualifiedName~ReferenceDocsTests\"";
        var committed = Directory.Exists(ReferenceDirectory)
            ? Directory.EnumerateFiles(ReferenceDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(ReferenceDirectory, f).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.True(committed.SequenceEqual(pages.Keys), $"docs/reference/ has other pages than the plugins ({string.Join(", ", committed.Except(pages.Keys).Concat(pages.Keys.Except(committed)))}); {Regenerate}");
        foreach (var (path, text) in pages)
        {
            Assert.True(File.ReadAllText(Path.Combine(ReferenceDirectory, path)) == text, $"docs/reference/{path} is stale; {Regenerate}");
        }
    }

    [Fact]
    public void Every_builder_provisioner_and_publisher_has_a_page_with_every_key()
    {
        var catalog = PluginCatalog.Default;
        var pages = ReferenceDocs.Generate(catalog);

        foreach (var (folder, plugins) in new[]
        {
            ("builders", catalog.SourceConfigTypes),
            ("provisioners", catalog.ProvisionerConfigTypes),
            ("publishers", catalog.PublisherConfigTypes),
        })
        {
            foreach (var (type, configType) in plugins)
            {
                var page = pages[$"{folder}/{type}.md"];
                Assert.Contains("## Example", page, StringComparison.Ordinal);
                Assert.Contains($"[`{type}`]({folder}/{type}.md)", pages["README.md"], StringComparison.Ordinal);
                foreach (var property in ConfigModel.For(configType).Properties)
                {
                    Assert.Contains($"| `{property.Key}` |", page, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void A_page_shows_types_defaults_and_required_keys_as_a_definition_writes_them()
    {
        var docker = ReferenceDocs.Generate(PluginCatalog.Default)["builders/docker.md"];

        Assert.Contains("| `pull` | one of `missing`, `always`, `never` | `missing` |", docker, StringComparison.Ordinal);
        Assert.Contains("| `run_command` | list of string | `[/bin/sh]` |", docker, StringComparison.Ordinal);
        Assert.Contains("    type: docker\n", docker, StringComparison.Ordinal);
    }

    /// <summary>Each page's example is a definition the loader accepts as far as its shape goes (keys and types).</summary>
    [Fact]
    public void Every_example_names_only_keys_of_its_plugin()
    {
        foreach (var (path, page) in ReferenceDocs.Generate(PluginCatalog.Default).Where(p => p.Key != "README.md"))
        {
            var example = page[(page.IndexOf("```yaml\n", StringComparison.Ordinal) + 8)..page.IndexOf("```\n\n", StringComparison.Ordinal)];
            var keys = example.Split('\n').Select(l => l.TrimStart(' ', '#', '-').Split(':')[0].Trim()).Where(k => k.Length > 0);
            Assert.All(keys, key => Assert.True(page.Contains($"| `{key}` |", StringComparison.Ordinal) || key is "sources" or "example" or "type" or "provision" or "publish" || path.EndsWith($"/{key}.md", StringComparison.Ordinal), $"{path}: {key}"));
        }
    }
}
