using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;
using Kiln.Provisioners;

namespace Kiln.Tests.Provisioners;

/// <summary>The puppet-masterless config as a definition writes it, through the real loader and its own rules.</summary>
public sealed class PuppetMasterlessConfigTests
{
    private static DefinitionSet Load(string provision) =>
        DefinitionLoader.LoadText(
            [("/defs/web.kiln.yaml", "name: web\nsources:\n  local:\n    type: qemu\n    base: { image: \"https://images.example/base.qcow2\", checksum: \"sha256:0000000000000000000000000000000000000000000000000000000000000000\" }\nprovision:\n" + provision)],
            new VariableInputs { Environment = new Dictionary<string, string>() },
            PluginCatalog.Default);

    [Fact]
    public void Binds_from_its_snake_case_keys_with_packers_exit_codes_by_default()
    {
        var set = Load("""
              - puppet-masterless:
                  manifest_file: puppet/site.pp
                  module_paths: [puppet/modules]
                  hiera_config_path: puppet/hiera.yaml
                  hiera_data_dir: puppet/data
                  facter: { role: web }
                  extra_arguments: [--verbose]
                  prevent_sudo: true
            """);
        Assert.Empty(set.Validate());
        var config = Assert.IsType<PuppetMasterlessConfig>(Assert.Single(Assert.Single(set.Resolve("web", BuildScope.Symbolic).Sources).Provisioners).Config);
        Assert.Equal(("puppet/site.pp", "puppet/hiera.yaml", "puppet/data", true), (config.ManifestFile, config.HieraConfigPath, config.HieraDataDir, config.PreventSudo));
        Assert.Equal(["puppet/modules"], config.ModulePaths);
        Assert.Equal("web", config.Facter["role"]);
        Assert.Equal([0, 2], config.ValidExitCodes);
        Assert.True(config.CleanStagingDirectory);
    }

    [Fact]
    public void Bad_settings_are_reported_each_with_a_hint()
    {
        IReadOnlyList<KilnDiagnostic> problems;
        try
        {
            problems = Load("""
                  - puppet-masterless:
                      manifest_file: site.pp
                      hiera_data_dir: data
                      facter: { "bad-name": x }
                      execute_command: puppet apply
                      staging_directory: tmp/puppet
                """).Validate();
        }
        catch (DefinitionException e)
        {
            problems = e.Diagnostics;
        }

        Assert.Contains(problems, p => p.Message.Contains("must contain {manifest_file}", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("'bad-name' is not a valid fact name", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("Hiera data needs a hiera_config_path", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Message.Contains("must be an absolute path", StringComparison.Ordinal));
        Assert.All(problems, p => Assert.NotNull(p.Location));
        Assert.All(problems, p => Assert.NotNull(p.Hint));
    }
}
