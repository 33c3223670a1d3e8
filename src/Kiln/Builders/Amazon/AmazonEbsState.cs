using Amazon.EC2.Model;
using Kiln.Communicators;
using Kiln.Engine;

namespace Kiln.Builders.Amazon;

/// <summary>What the amazon-ebs steps hand each other.</summary>
internal sealed class AmazonEbsState(AmazonEbsSourceConfig config, BuildContext context) : BuildState(context), ISshTarget, IBuildKeyHolder
{
    public AmazonEbsSourceConfig Config { get; } = config;

    /// <summary>Set by the validate step; every later step talks to EC2 through it.</summary>
    public Ec2Session? Ec2Session { get; set; }

    public Ec2Session Ec2 => Ec2Session ?? throw new InvalidOperationException("The EC2 session is not open yet.");

    public Image? SourceImage { get; set; }

    public string? VpcId { get; set; }

    public string? SubnetId { get; set; }

    public IReadOnlyList<string> VpcCidrs { get; set; } = [];

    /// <summary>The temporary key generated on this host; null when the user names a key pair.</summary>
    public SshKeyPair? BuildKey { get; set; }

    public string? BuildKeyRemovedBy { get; set; }

    public string? KeyPairName { get; set; }

    /// <summary>The private key file SSH uses: the temporary key written to the work directory, or the user's.</summary>
    public string? PrivateKeyPath { get; set; }

    public IReadOnlyList<string> SecurityGroupIds { get; set; } = [];

    /// <summary>The CIDRs SSH is admitted from, for error messages when SSH cannot get in.</summary>
    public IReadOnlyList<string> SshCidrs { get; set; } = [];

    public Instance? Instance { get; set; }

    /// <summary>Where SSH connects: ssh_host/ssh_port, or the instance address ssh_interface names.</summary>
    public string? SshHost { get; set; }

    public int SshPort { get; set; }

    public SshEndpoint? SshEndpoint => SshHost is null || PrivateKeyPath is null
        ? null
        : new SshEndpoint(SshHost, SshPort, Config.SshUsername, PrivateKeyPath) { Timeout = Config.SshTimeout };

    /// <summary>AMI id per region: the built one first, then its copies.</summary>
    public Dictionary<string, string> Images { get; } = new(StringComparer.Ordinal);

    /// <summary>Snapshot ids of each region's AMI.</summary>
    public Dictionary<string, IReadOnlyList<string>> Snapshots { get; } = new(StringComparer.Ordinal);

    /// <summary>True once the verify checks passed on an instance launched from the AMI.</summary>
    public bool AmiVerified { get; set; }

    /// <summary>True once the AMIs are the build's result: from then on cleanup keeps them.</summary>
    public bool ImagesCommitted { get; set; }
}
