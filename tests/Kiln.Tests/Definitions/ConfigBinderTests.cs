using Kiln.Definitions;

namespace Kiln.Tests.Definitions;

public sealed class ConfigBinderTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void Every_supported_property_type_binds()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local:
                type: qemu
                cpus: 4
                memory_mb: 8589934592
                cpu_share: 0.5
                formats: [qcow2, raw_image]
                disk_size: 20G
                ssh_timeout: 1h30m
                shutdown_timeout: 250ms
                headless: false
                base:
                  bootstrap: { suite: bookworm, packages: [nginx, curl] }
                labels: { team: infra }
            """);

        var config = (TestQemuConfig)_fixture.Load().Resolve("web", BuildScope.Symbolic).Sources[0].Config;

        Assert.Equal(4, config.Cpus);
        Assert.Equal(8589934592L, config.MemoryMb);
        Assert.Equal(0.5, config.CpuShare);
        Assert.Equal([DiskFormat.Qcow2, DiskFormat.RawImage], config.Formats);
        Assert.Equal("20G", config.DiskSize);
        Assert.Equal(TimeSpan.FromMinutes(90), config.SshTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), config.ShutdownTimeout);
        Assert.False(config.Headless);
        Assert.Equal("bookworm", config.Base.Bootstrap!.Suite);
        Assert.Equal(["nginx", "curl"], config.Base.Bootstrap.Packages);
        Assert.Equal("infra", config.Labels["team"]);
    }

    [Fact]
    public void Defaults_stay_when_keys_are_absent()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: x } }\n");

        var config = (TestQemuConfig)_fixture.Load().Resolve("web", BuildScope.Symbolic).Sources[0].Config;

        Assert.Equal(2, config.Cpus);
        Assert.Equal(TimeSpan.FromMinutes(5), config.SshTimeout);
        Assert.Null(config.ShutdownTimeout);
    }

    [Fact]
    public void Wrong_types_unknown_and_missing_keys_are_each_reported_at_their_place()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local:
                type: qemu
                cpus: two
                formats: [qcow2, vmdx]
                ssh_timeout: 5 minutes
                headless: maybe
                labels: [a]
                base:
                  bootstrap: { packges: [a] }
              aws: { type: amazon-ebs, region: us-east-1 }
            """);

        var problems = _fixture.Problems();

        DiagnosticAssert.Single(problems, "'cpus' in source 'local' (qemu) must be an integer, but it is 'two'", 5, 11);
        Assert.Equal("Did you mean 'vmdk'?", DiagnosticAssert.Single(problems, "'formats[1]' in source 'local' (qemu) must be one of qcow2, vmdk, ova, raw_image", 6, 22).Hint);
        DiagnosticAssert.Single(problems, "'ssh_timeout' in source 'local' (qemu) must be a duration", 7, 18);
        DiagnosticAssert.Single(problems, "'headless' in source 'local' (qemu) must be true or false", 8, 15);
        DiagnosticAssert.Single(problems, "'labels' in source 'local' (qemu) must be a mapping, but this is a list", 9, 13);
        Assert.Equal("Did you mean 'packages'?", DiagnosticAssert.Single(problems, "unknown key 'packges'", 11, 20).Hint);
        DiagnosticAssert.Single(problems, "is missing the required key 'base.bootstrap.suite'", 11, 18);
        DiagnosticAssert.Single(problems, "source 'aws' (amazon-ebs) is missing the required key 'ami_name'", 12, 8);
    }

    [Fact]
    public void Config_rules_are_reported_at_the_named_property()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local:
                type: qemu
                base:
                  bootstrap:
                    suite: sid
            provision:
              - shell: { script: a.sh, inline: [ls] }
            """);

        var problems = _fixture.Problems();

        var suite = DiagnosticAssert.Single(problems, "source 'local' (qemu): the suite must be a released one", 7, 16);
        Assert.Equal("Use bookworm.", suite.Hint);
        DiagnosticAssert.Single(problems, "provisioner 'shell': one of 'inline' or 'script' is needed, not both", 9, 36);
    }

    [Fact]
    public void Only_and_except_pick_the_sources_and_publish_lists_form_chains()
    {
        _fixture.Write("web.kiln.yaml", """
            name: web
            sources:
              local: { type: qemu, base: { image: x } }
              aws: { type: amazon-ebs, region: eu-west-1, ami_name: web }
            provision:
              - shell: { inline: [everywhere] }
              - shell: { inline: [local only], only: [local] }
              - file: { source: a, destination: /b, except: [local] }
            verify:
              - shell: { inline: [check], max_retries: 3, timeout: 30s, pause_before: 2s, only: [local] }
            publish:
              - manifest: {}
              - [compress: { level: 9 }, checksum: { types: [sha512] }]
              - checksum: { only: [aws] }
            """);

        var image = _fixture.Load().Resolve("web", BuildScope.Symbolic);

        var local = image.Sources.Single(s => s.Name == "local");
        var aws = image.Sources.Single(s => s.Name == "aws");
        Assert.Equal(["shell", "shell"], local.Provisioners.Select(p => p.Type));
        Assert.Equal(["shell", "file"], aws.Provisioners.Select(p => p.Type));
        var check = (TestShellConfig)Assert.Single(local.Verify).Config;
        Assert.Equal((3, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2)), (check.MaxRetries, check.Timeout, check.PauseBefore));
        Assert.Equal(["manifest", "compress+checksum"], local.Publish.Select(c => string.Join("+", c.Select(p => p.Type))));
        Assert.Equal(["manifest", "compress+checksum", "checksum"], aws.Publish.Select(c => string.Join("+", c.Select(p => p.Type))));
        Assert.Equal(9, ((TestCompressConfig)local.Publish[1][0].Config).Level);
        Assert.Equal(7, local.Provisioners[1].Location!.Line);
    }

    [Fact]
    public void Only_and_except_must_name_existing_sources()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: x } }\nprovision:\n  - shell: { inline: [ls], only: [locl] }\n");

        var diagnostic = DiagnosticAssert.Single(_fixture.Problems(), "'only' names source 'locl'", 5, 35);

        Assert.Equal("Did you mean 'local'?", diagnostic.Hint);
    }

    [Fact]
    public void Snake_case_follows_the_conventions()
    {
        Assert.Equal("ssh_timeout", ConfigModel.SnakeCase("SshTimeout"));
        Assert.Equal("ami_name", ConfigModel.SnakeCase("AmiName"));
        Assert.Equal("http_port", ConfigModel.SnakeCase("HTTPPort"));
        Assert.Equal("sha256", ConfigModel.SnakeCase("Sha256"));
        Assert.Equal("source_ami_filter", ConfigModel.SnakeCase("SourceAmiFilter"));
    }
}
