using Kiln.Builders.Amazon;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Plugins;

namespace Kiln.Tests.Amazon;

public sealed class AmazonEbsConfigTests
{
    private static AmazonEbsSourceConfig Valid() =>
        new() { AmiName = "debian-12-base", SourceAmi = "ami-0123456789abcdef0" };

    [Fact]
    public void A_minimal_config_is_valid_with_safe_defaults()
    {
        var config = Valid();

        Assert.Empty(config.Validate());
        Assert.True(config.ImdsV2);
        Assert.Empty(config.SshCidrs);
        Assert.True(config.EnaSupport);
        Assert.False(config.ForceDeregister);
        Assert.Equal(SshInterface.PublicIp, config.SshInterface);
    }

    [Fact]
    public void Exactly_one_of_source_ami_and_source_ami_filter_is_required()
    {
        var neither = new AmazonEbsSourceConfig { AmiName = "x-image" };
        var both = new AmazonEbsSourceConfig { AmiName = "x-image", SourceAmi = "ami-1", SourceAmiFilter = new SourceAmiFilterConfig() };

        Assert.Equal("source_ami", Assert.Single(neither.Validate()).PropertyPath);
        Assert.Equal("source_ami", Assert.Single(both.Validate()).PropertyPath);
    }

    [Theory]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("203.0.113.7/32", true)]
    [InlineData("2001:db8::/64", true)]
    [InlineData("203.0.113.7", false)]
    [InlineData("anywhere", false)]
    public void Ssh_cidrs_must_be_CIDRs(string cidr, bool valid)
    {
        var config = new AmazonEbsSourceConfig { AmiName = "x-image", SourceAmi = "ami-1", SshCidrs = [cidr] };

        var problems = config.Validate().ToList();

        if (valid)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Equal("ssh_cidrs[0]", Assert.Single(problems).PropertyPath);
        }
    }

    [Fact]
    public void Cross_field_rules_name_the_key_and_give_a_hint()
    {
        var config = new AmazonEbsSourceConfig
        {
            AmiName = "x",
            SourceAmi = "image-1",
            UserData = "a",
            UserDataFile = "b",
            SshKeypairName = "mine",
            KmsKeyId = "alias/x",
            SshPort = 70000,
            Endpoint = "not a url",
            CheckIpUrl = "ftp://example.com/ip",
            LaunchBlockDeviceMappings = [new BlockDeviceMappingConfig { DeviceName = "/dev/xvda", VolumeSize = 0 }],
        };

        var paths = config.Validate().Select(p => p.PropertyPath).ToList();

        Assert.Equal(
            ["source_ami", "user_data", "ssh_private_key_file", "kms_key_id", "ami_name", "ssh_port", "endpoint", "check_ip_url", "launch_block_device_mappings[0].volume_size"],
            paths);
        Assert.All(config.Validate().Where(p => p.PropertyPath is "source_ami" or "ssh_private_key_file"), p => Assert.False(string.IsNullOrEmpty(p.Hint)));
    }

    [Fact]
    public void The_catalog_finds_the_builder_and_its_plan_names_every_step_in_stage_order()
    {
        var builder = PluginCatalog.Default.Builders["amazon-ebs"];
        Assert.Equal(typeof(AmazonEbsSourceConfig), builder.ConfigType);
        var source = new ResolvedSource { Name = "aws", Type = "amazon-ebs", Config = Valid() };

        var steps = builder.DescribeSteps(source);

        Assert.Equal(
            [
                "validate AWS credentials, region and AMI name", "find the source AMI", "choose VPC and subnet", "create SSH key",
                "import temporary key pair", "create temporary security group", "launch the build instance", "wait for SSH", "provision",
                "remove build SSH key", "stop the build instance", "create the AMI", "copy and share the AMI", "record the AMI artifact",
            ],
            steps.Select(s => s.Name).ToArray());
        Assert.Equal(steps.Select(s => s.Stage).Order().ToArray(), steps.Select(s => s.Stage).ToArray());
        Assert.Equal(Stage.Capture, steps[^1].Stage);
        Assert.Contains(builder.DescribeTemporaryResources(source), r => r.Contains("security group", StringComparison.Ordinal));
    }

    [Fact]
    public void A_named_key_pair_replaces_the_temporary_key_steps()
    {
        var config = new AmazonEbsSourceConfig { AmiName = "x-image", SourceAmi = "ami-1", SshKeypairName = "ops", SshPrivateKeyFile = "ops.pem" };
        var source = new ResolvedSource { Name = "aws", Type = "amazon-ebs", Config = config };

        var names = PluginCatalog.Default.Builders["amazon-ebs"].DescribeSteps(source).Select(s => s.Name).ToList();

        Assert.DoesNotContain("create SSH key", names);
        Assert.DoesNotContain("remove build SSH key", names);
        Assert.Empty(config.Validate());
    }

    [Fact]
    public void Ledger_records_carry_what_a_sweep_in_another_process_needs()
    {
        var location = new Ec2Location("eu-west-1", "ops", "http://127.0.0.1:1");
        var resource = new LedgerResource(Ec2ResourceKinds.Image, "ami-1", location.ToLedgerData(("run", "r1")));

        Assert.Equal(location, Ec2Location.FromLedger(resource));
        Assert.Equal("r1", resource.Data["run"]);
        Assert.Equal(new Ec2Location("us-east-1", null, null), Ec2Location.FromLedger(new LedgerResource("ec2-image", "ami-2", new Ec2Location("us-east-1", null, null).ToLedgerData())));
    }
}
