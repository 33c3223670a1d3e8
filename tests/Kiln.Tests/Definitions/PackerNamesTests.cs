using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;

namespace Kiln.Tests.Definitions;

/// <summary>Packer's names in a Kiln definition get a precise hint from the one table, which also writes docs/coming-from-packer.md.</summary>
public sealed class PackerNamesTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static string PagePath => Path.Combine(RepositoryFiles.Root, "docs", "coming-from-packer.md");

    private IReadOnlyList<KilnDiagnostic> Problems() => _fixture.Problems(plugins: PluginCatalog.Default);

    /// <summary>The committed page matches the table; regenerate it with KILN_UPDATE_DOCS=1.</summary>
    [Fact]
    public void The_coming_from_packer_page_is_up_to_date()
    {
        var generated = PackerNames.RenderMarkdown();
        if (Environment.GetEnvironmentVariable("KILN_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(PagePath, generated);
        }

        Assert.True(File.Exists(PagePath) && File.ReadAllText(PagePath) == generated,
            "docs/coming-from-packer.md is stale; regenerate it: KILN_UPDATE_DOCS=1 dotnet test --project tests/Kiln.Tests/Kiln.Tests.csproj --filter \"FullyQualifiedName~PackerNamesTests\"");
    }

    [Fact]
    public void Packer_names_in_a_kiln_definition_say_what_kiln_calls_them()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            variables:
              version: { default: "1" }
            sources:
              local:
                type: qemu
                base: { bootstrap: {} }
                vm_name: web
                iso_checksum: "sha256:00"
            provision:
              - shell: { inline: ["echo {{ user `version` }}"], environment_vars: ["A=b"] }
              - powershell: { inline: [dir] }
            post-processors: []
            """);

        var problems = Problems();

        Assert.Equal("'vm_name' is Packer's name; Kiln's is 'output_name'.", DiagnosticAssert.Single(problems, "unknown key 'vm_name'", 8, 5).Hint);
        Assert.StartsWith("'iso_checksum' is Packer's name; Kiln's is 'base.iso.checksum'", DiagnosticAssert.Single(problems, "unknown key 'iso_checksum'", 9, 5).Hint, StringComparison.Ordinal);
        Assert.Equal("Packer's {{ user `x` }} is {{ var.x }} in Kiln.", DiagnosticAssert.Single(problems, "invalid expression", 11, 37).Hint);
        Assert.StartsWith("'environment_vars' is Packer's name; Kiln's is 'env'", DiagnosticAssert.Single(problems, "unknown key 'environment_vars'", 11, 53).Hint, StringComparison.Ordinal);
        Assert.StartsWith("'powershell' is Packer's; Kiln has no equivalent", DiagnosticAssert.Single(problems, "unknown provisioner 'powershell'", 12, 5).Hint, StringComparison.Ordinal);
        Assert.StartsWith("'post-processors' is Packer's name; Kiln's is 'publish'", DiagnosticAssert.Single(problems, "unknown top-level key 'post-processors'", 13, 1).Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Post_processor_keys_map_per_publisher_and_a_key_kiln_already_has_is_no_error()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local: { type: qemu, base: { bootstrap: {} } }
            publish:
              - checksum: { checksum_types: [sha256] }
              - compress: { compression_level: 9 }
              - vagrant: { compression_level: 9 }
            """);

        var problems = Problems();

        Assert.StartsWith("'checksum_types' is Packer's name; Kiln's is 'types'", DiagnosticAssert.Single(problems, "unknown key 'checksum_types'", 5, 17).Hint, StringComparison.Ordinal);
        Assert.StartsWith("'compression_level' is Packer's name; Kiln's is 'level'", DiagnosticAssert.Single(problems, "unknown key 'compression_level'", 6, 17).Hint, StringComparison.Ordinal);
        Assert.Equal(2, problems.Count);
    }
}
