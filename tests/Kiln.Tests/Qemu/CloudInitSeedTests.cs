using Kiln.Builders.Qemu;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Plugins;
using YamlDotNet.RepresentationModel;

namespace Kiln.Tests.Qemu;

/// <summary>The NoCloud seed's documents, and the cloud-init and login settings as users write them.</summary>
public sealed class CloudInitSeedTests
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl kiln-run";

    private static QemuSourceConfig Config(string user = "builder", CloudInitConfig? cloudInit = null) => new()
    {
        Base = new QemuBaseConfig { Image = "base.qcow2" },
        SshUsername = user,
        CloudInit = cloudInit,
    };

    private static YamlMappingNode Parse(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [Fact]
    public void Kilns_user_data_makes_the_build_user_with_the_key_and_passwordless_sudo_and_notes_whether_it_existed()
    {
        var text = CloudInitSeed.UserData(Config(), Key);

        Assert.StartsWith("#cloud-config\n", text, StringComparison.Ordinal);
        var document = Parse(text);
        var user = (YamlMappingNode)((YamlSequenceNode)document["users"]).Single();
        Assert.Equal("builder", user["name"].ToString());
        Assert.Equal("ALL=(ALL) NOPASSWD:ALL", user["sudo"].ToString());
        Assert.Equal(Key, ((YamlSequenceNode)user["ssh_authorized_keys"]).Single().ToString());
        Assert.Contains(CloudInitSeed.CreatedUserMarker, ((YamlSequenceNode)document["bootcmd"]).Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void For_root_the_key_goes_to_root_and_root_logins_are_allowed()
    {
        var document = Parse(CloudInitSeed.UserData(Config("root"), Key));

        Assert.Equal("false", document["disable_root"].ToString());
        Assert.Equal(Key, ((YamlSequenceNode)document["ssh_authorized_keys"]).Single().ToString());
        Assert.False(document.Children.ContainsKey(new YamlScalarNode("users")));
    }

    [Fact]
    public void A_users_cloud_config_is_merged_lists_appended_and_mappings_merged()
    {
        var own = """
            #cloud-config
            users: [default]
            packages: [nginx]
            bootcmd: [echo mine]
            apt: { preserve_sources_list: true }
            """;
        var document = Parse(CloudInitSeed.UserData(Config(cloudInit: new CloudInitConfig { UserData = own }), Key));

        var users = ((YamlSequenceNode)document["users"]).Children;
        Assert.Equal("default", users[0].ToString());
        Assert.Equal("builder", ((YamlMappingNode)users[1])["name"].ToString());
        Assert.Equal(2, ((YamlSequenceNode)document["bootcmd"]).Children.Count);
        Assert.Equal("nginx", ((YamlSequenceNode)document["packages"]).Single().ToString());
        Assert.Equal("true", ((YamlMappingNode)document["apt"])["preserve_sources_list"].ToString());
    }

    [Fact]
    public void A_users_script_goes_beside_kilns_cloud_config_in_a_multipart_message()
    {
        var text = CloudInitSeed.UserData(Config(cloudInit: new CloudInitConfig { UserData = "#!/bin/sh\necho hello > /etc/hello\n" }), Key);

        Assert.StartsWith("Content-Type: multipart/mixed; boundary=", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/cloud-config", text, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/plain", text, StringComparison.Ordinal);
        Assert.Contains("#!/bin/sh\necho hello > /etc/hello\n", text, StringComparison.Ordinal);
        Assert.Contains("name: builder", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Meta_data_always_has_kilns_fresh_instance_id_and_keeps_the_users_other_keys()
    {
        var config = Config(cloudInit: new CloudInitConfig { MetaData = "instance-id: theirs\nlocal-hostname: web-1\n" });

        var document = Parse(CloudInitSeed.MetaData(config, "kiln-build-123", "web"));

        Assert.Equal("kiln-build-123", document["instance-id"].ToString());
        Assert.Equal("web-1", document["local-hostname"].ToString());
        Assert.Equal("web", Parse(CloudInitSeed.MetaData(Config(), "kiln-build-1", "web"))["local-hostname"].ToString());
    }

    private static IReadOnlyList<KilnDiagnostic> Problems(string source)
    {
        try
        {
            return DefinitionLoader.LoadText(
                [("/defs/image.kiln.yaml", "name: web\nsources:\n  local:\n    type: qemu\n    base: { image: \"https://images.example/base.qcow2\", checksum: \"sha256:0000000000000000000000000000000000000000000000000000000000000000\" }\n" + source)],
                new VariableInputs { Environment = new Dictionary<string, string>() },
                PluginCatalog.Default).Validate();
        }
        catch (DefinitionException e)
        {
            return e.Diagnostics;
        }
    }

    [Fact]
    public void Login_and_cloud_init_settings_bind_from_their_snake_case_keys()
    {
        var set = DefinitionLoader.LoadText(
            [("/defs/image.kiln.yaml", """
                name: web
                sources:
                  local:
                    type: qemu
                    base: { image: "https://images.example/base.qcow2", checksum: "sha256:0000000000000000000000000000000000000000000000000000000000000000" }
                    guest_init: cloud_init
                    ssh_username: debian
                    ssh_password: s3cret-pass
                    ssh_pty: true
                    ssh_bastion_host: jump.example
                    ssh_bastion_port: 2222
                    ssh_bastion_username: hop
                    ssh_bastion_private_key_file: keys/jump
                    shutdown_command: "echo 's3cret-pass' | sudo -S shutdown -P now"
                    cloud_init:
                      user_data: |
                        #cloud-config
                        packages: [nginx]
                      meta_data: "local-hostname: web"
                      network_config: "version: 2"
                """)],
            new VariableInputs { Environment = new Dictionary<string, string>() },
            PluginCatalog.Default);

        Assert.Empty(set.Validate());
        var config = Assert.IsType<QemuSourceConfig>(Assert.Single(set.Resolve("web", BuildScope.Symbolic).Sources).Config);
        Assert.Equal(GuestInit.CloudInit, config.GuestInit);
        Assert.Equal(("s3cret-pass", true), (config.SshPassword, config.SshPty));
        Assert.Equal(("jump.example", 2222, "hop", "keys/jump"), (config.SshBastionHost, config.SshBastionPort, config.SshBastionUsername, config.SshBastionPrivateKeyFile));
        Assert.Equal("version: 2", config.CloudInit!.NetworkConfig);
    }

    [Theory]
    [InlineData("    guest_init: none\n", "guest_init", "ssh_password")]
    [InlineData("    ssh_bastion_username: hop\n", "ssh_bastion_username", "ssh_bastion_host")]
    [InlineData("    ssh_bastion_host: jump\n", "jump host needs a way to log in", "ssh_bastion_private_key_file")]
    [InlineData("    guest_init: kiln\n    cloud_init: { meta_data: \"a: b\" }\n", "cloud_init", "guest_init: auto")]
    [InlineData("    cloud_init: { user_data: \"#cloud-config\\nusers: [\" }\n", "not valid YAML", "cloud-init would reject it")]
    [InlineData("    cloud_init: { meta_data: \"[1, 2]\" }\n", "must be a YAML mapping", "e.g.")]
    public void Bad_login_and_cloud_init_settings_are_located_errors_with_a_hint(string source, string message, string hint)
    {
        var problem = Assert.Single(Problems(source));

        Assert.Contains(message, problem.Message + " " + problem.Hint, StringComparison.Ordinal);
        Assert.Contains(hint, problem.Message + " " + problem.Hint, StringComparison.Ordinal);
        Assert.NotNull(problem.Location);
    }
}
