using Kiln.Builders.Amazon.Steps;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Steps;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Packer's amazon-ebs on AWSSDK.EC2: launch a source AMI, provision it over SSH, stop it, image it, copy and
/// share the image. Every resource it creates is in the ledger before it exists and tagged with the run.
/// </summary>
/// <param name="authorizedKeysFiles">Where the instance keeps the build key, to remove it before capture; by default the SSH user's ~/.ssh/authorized_keys.</param>
public sealed class AmazonEbsBuilder(IReadOnlyList<string>? authorizedKeysFiles) : Builder<AmazonEbsSourceConfig, AmazonEbsState>, IDeclaresHostRequirements
{
    public const string TypeName = "amazon-ebs";

    public AmazonEbsBuilder()
        : this(null)
    {
    }

    public override string Type => TypeName;

    /// <summary>ssh-keygen makes the build key; everything else goes through the EC2 API.</summary>
    public IEnumerable<HostRequirement> HostRequirements(object config) => [HostRequirement.SshKeygen];

    protected override IEnumerable<IStep<AmazonEbsState>> CreateSteps(AmazonEbsSourceConfig config, ResolvedSource source)
    {
        yield return new ValidateAwsStep();
        yield return new SourceAmiStep();
        yield return new NetworkStep();
        var temporaryKey = config.SshKeypairName is null;
        if (temporaryKey)
        {
            yield return new CreateBuildKeyStep<AmazonEbsState>();
        }

        yield return new KeyPairStep();
        yield return new SecurityGroupStep();
        yield return new RunInstanceStep();
        yield return new WaitForSshStep<AmazonEbsState>();
        yield return new ProvisionStep<AmazonEbsState>();
        if (temporaryKey)
        {
            // cloud-init installed the key pair's public key; the image must not ship it.
            yield return new RemoveBuildKeyStep<AmazonEbsState>(authorizedKeysFiles);
        }

        yield return new StopInstanceStep();
        yield return new CreateImageStep();
        yield return new CopyImageStep();
        yield return new CommitArtifactStep();
    }

    protected override AmazonEbsState CreateState(AmazonEbsSourceConfig config, BuildContext context) => new(config, context);

    protected override IEnumerable<string> DescribeTemporaryResources(AmazonEbsSourceConfig config)
    {
        yield return $"EC2 instance ({config.InstanceType})";
        if (config.SshKeypairName is null)
        {
            yield return "SSH key pair (ed25519) in the work directory, imported as an EC2 key pair";
        }

        if (config.SecurityGroupIds.Count == 0)
        {
            yield return "EC2 security group (SSH only)";
        }

        yield return "EBS volumes of the instance";
    }
}
