using System.ComponentModel;
using System.Net;
using Kiln.Definitions;

namespace Kiln.Builders.Amazon;

[Description("Builds an EBS-backed AMI: launches an instance from a source AMI, provisions it over SSH, stops it and images it.")]
internal sealed class AmazonEbsSourceConfig : SourceConfig, IValidatableConfig
{
    [Description("Region the instance runs in and the AMI is created in. Default: the SDK's chain (AWS_REGION, the profile's region).")]
    public string? Region { get; init; }

    [Description("Named profile of the shared AWS config/credentials files. Default: the SDK's standard credential chain.")]
    public string? Profile { get; init; }

    [Description("Custom EC2 endpoint URL (an EC2-compatible service or a test double). Default: the region's AWS endpoint.")]
    public string? Endpoint { get; init; }

    [Description("Instance type of the build instance.")]
    public string InstanceType { get; init; } = "t3.micro";

    [Description("AMI id to launch. Give this or source_ami_filter.")]
    public string? SourceAmi { get; init; }

    [Description("Finds the source AMI by filters and owners.")]
    public SourceAmiFilterConfig? SourceAmiFilter { get; init; }

    [Description("Name of the AMI to create; must be unique in the account and region unless force_deregister.")]
    public required string AmiName { get; init; }

    public string? AmiDescription { get; init; }

    [Description("More regions to copy the AMI to, in parallel.")]
    public IReadOnlyList<string> AmiRegions { get; init; } = [];

    [Description("Account ids that may launch the AMI.")]
    public IReadOnlyList<string> AmiUsers { get; init; } = [];

    [Description("Groups that may launch the AMI (\"all\" makes it public).")]
    public IReadOnlyList<string> AmiGroups { get; init; } = [];

    [Description("Tags on the AMI (and its copies).")]
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    [Description("Tags on the build instance and temporary resources.")]
    public IReadOnlyDictionary<string, string> RunTags { get; init; } = new Dictionary<string, string>();

    [Description("Tags on the build instance's volumes.")]
    public IReadOnlyDictionary<string, string> RunVolumeTags { get; init; } = new Dictionary<string, string>();

    [Description("Tags on the AMI's snapshots.")]
    public IReadOnlyDictionary<string, string> SnapshotTags { get; init; } = new Dictionary<string, string>();

    [Description("Replace an existing AMI of the same name (deregistered, snapshots deleted) instead of failing.")]
    public bool ForceDeregister { get; init; }

    [Description("What happens to the AMIs when the verify checks fail (or the verify instance cannot be started): deregister them and delete their snapshots, or keep them for inspection. Either way the build fails and publishes nothing.")]
    public VerifyFailureAction OnVerifyFailure { get; init; } = VerifyFailureAction.Deregister;

    [Description("Encrypt the AMI's boot volume (with kms_key_id, or the account's default EBS key).")]
    public bool EncryptBoot { get; init; }

    public string? KmsKeyId { get; init; }

    [Description("Mark the AMI as supporting ENA networking.")]
    public bool EnaSupport { get; init; } = true;

    [Description("Volumes of the build instance; the root device's settings become the AMI's.")]
    public IReadOnlyList<BlockDeviceMappingConfig> LaunchBlockDeviceMappings { get; init; } = [];

    [Description("User data passed to the instance. Give this or user_data_file.")]
    public string? UserData { get; init; }

    [Description("File whose content is the user data, relative to the definition.")]
    public string? UserDataFile { get; init; }

    [Description("Name of an IAM instance profile for the build instance.")]
    public string? IamInstanceProfile { get; init; }

    [Description("Subnet to launch into. Default: a default subnet of vpc_id or of the default VPC.")]
    public string? SubnetId { get; init; }

    [Description("VPC of the temporary security group. Default: the subnet's VPC, or the default VPC.")]
    public string? VpcId { get; init; }

    [Description("Give the instance a public IP. Default: the subnet's setting.")]
    public bool? AssociatePublicIpAddress { get; init; }

    [Description("Require IMDSv2 session tokens on the build instance (HttpTokens=required).")]
    public bool ImdsV2 { get; init; } = true;

    [Description("Existing security groups to use instead of a temporary one.")]
    public IReadOnlyList<string> SecurityGroupIds { get; init; } = [];

    [Description("Existing key pair name; requires ssh_private_key_file. Default: a temporary ed25519 key pair.")]
    public string? SshKeypairName { get; init; }

    [Description("Private key of ssh_keypair_name, relative to the definition.")]
    public string? SshPrivateKeyFile { get; init; }

    public string SshUsername { get; init; } = "ec2-user";

    [Description("Which instance address SSH uses.")]
    public SshInterface SshInterface { get; init; } = SshInterface.PublicIp;

    [Description("Connect to this host instead of the instance's address (a bastion tunnel, a test).")]
    public string? SshHost { get; init; }

    public int SshPort { get; init; } = 22;

    public TimeSpan SshTimeout { get; init; } = TimeSpan.FromMinutes(5);

    [Description("CIDRs the temporary security group admits SSH from. Default: this host's public address as /32.")]
    public IReadOnlyList<string> SshCidrs { get; init; } = [];

    [Description("URL answering with this host's public IP, used when ssh_cidrs is empty.")]
    public string CheckIpUrl { get; init; } = "https://checkip.amazonaws.com/";

    [Description("How long to wait for each EC2 state change.")]
    public AmazonWaitsConfig Waits { get; init; } = new();

    [Description("Maximum SDK retries of a throttled or transient EC2 call.")]
    public int MaxRetries { get; init; } = 8;

    public IEnumerable<ConfigProblem> Validate()
    {
        if (SourceAmi is null == SourceAmiFilter is null)
        {
            yield return new ConfigProblem("source_ami", "Give exactly one of source_ami and source_ami_filter.",
                "source_ami: ami-0123456789abcdef0, or source_ami_filter: { filters: { name: \"debian-12-amd64-*\" }, owners: [\"136693071363\"], most_recent: true }");
        }

        if (SourceAmi is not null && !SourceAmi.StartsWith("ami-", StringComparison.Ordinal))
        {
            yield return new ConfigProblem("source_ami", $"'{SourceAmi}' is not an AMI id.", "AMI ids look like ami-0123456789abcdef0.");
        }

        if (UserData is not null && UserDataFile is not null)
        {
            yield return new ConfigProblem("user_data", "Give user_data or user_data_file, not both.");
        }

        if (SshKeypairName is null != SshPrivateKeyFile is null)
        {
            yield return new ConfigProblem(SshKeypairName is null ? "ssh_keypair_name" : "ssh_private_key_file",
                "ssh_keypair_name and ssh_private_key_file go together.",
                "Give both to use an existing key pair, or neither for a temporary one.");
        }

        if (KmsKeyId is not null && !EncryptBoot)
        {
            yield return new ConfigProblem("kms_key_id", "kms_key_id needs encrypt_boot: true.");
        }

        if (AmiName.Length is < 3 or > 128)
        {
            yield return new ConfigProblem("ami_name", "An AMI name has 3 to 128 characters.");
        }

        foreach (var (cidr, index) in SshCidrs.Select((c, i) => (c, i)))
        {
            if (!IPNetwork.TryParse(cidr, out _))
            {
                yield return new ConfigProblem($"ssh_cidrs[{index}]", $"'{cidr}' is not a CIDR.", "For example 203.0.113.7/32.");
            }
        }

        if (SshPort is < 1 or > 65535)
        {
            yield return new ConfigProblem("ssh_port", $"{SshPort} is not a TCP port.");
        }

        if (MaxRetries is < 0 or > 20)
        {
            yield return new ConfigProblem("max_retries", "max_retries is between 0 and 20.");
        }

        if (Endpoint is not null && !Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            yield return new ConfigProblem("endpoint", $"'{Endpoint}' is not an absolute URL.", "For example https://ec2.eu-west-1.amazonaws.com.");
        }

        if (!Uri.TryCreate(CheckIpUrl, UriKind.Absolute, out var checkIp) || checkIp.Scheme is not ("http" or "https"))
        {
            yield return new ConfigProblem("check_ip_url", $"'{CheckIpUrl}' is not an http(s) URL.", "Or set ssh_cidrs and it is never asked.");
        }

        foreach (var (mapping, index) in LaunchBlockDeviceMappings.Select((m, i) => (m, i)))
        {
            if (mapping.VolumeSize is < 1)
            {
                yield return new ConfigProblem($"launch_block_device_mappings[{index}].volume_size", "volume_size is in GiB and at least 1.");
            }
        }
    }
}
