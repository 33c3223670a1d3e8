using Kiln.Builders.Amazon.Steps;
using Kiln.Definitions;
using Kiln.Engine;
using Kiln.Model;
using Kiln.Steps;

namespace Kiln.Builders.Amazon;

/// <summary>
/// Packer's amazon-ebs on AWSSDK.EC2: launch a source AMI, provision it over SSH, stop it, image it, copy and
/// share the image, and with verify checks launch one instance from the AMI (fresh key pair, same subnet and
/// security groups) to run them on. Every resource it creates is in the ledger before it exists and tagged with the run.
/// </summary>
/// <param name="authorizedKeysFiles">Where the instance keeps the build key, to remove it before capture; by default the SSH user's ~/.ssh/authorized_keys.</param>
internal sealed class AmazonEbsBuilder(IReadOnlyList<string>? authorizedKeysFiles) : Builder<AmazonEbsSourceConfig, AmazonEbsState>, IDeclaresHostRequirements
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
        if (source.Verify.Count > 0)
        {
            var key = new CreateBuildKeyStep<AmazonEbsState>();
            var keyPair = new KeyPairStep(verify: true);
            var instance = new RunInstanceStep(verify: true);
            var ssh = new WaitForSshStep<AmazonEbsState>();
            yield return new VerifyOutcomeStep();
            yield return new InStage<AmazonEbsState>(key, Stage.Verify, "create the verify SSH key");
            yield return new InStage<AmazonEbsState>(keyPair, Stage.Verify);
            yield return new InStage<AmazonEbsState>(instance, Stage.Verify);
            yield return new InStage<AmazonEbsState>(ssh, Stage.Verify, "wait for SSH on the verify instance");
            yield return new VerifyAmiStep(new VerifyStep<AmazonEbsState>(), [ssh, instance, keyPair, key]);
        }
    }

    protected override AmazonEbsState CreateState(AmazonEbsSourceConfig config, BuildContext context) => new(config, context);

    /// <summary>Per-region outputs are known only when the region is written down (not taken from the environment).</summary>
    protected override IEnumerable<string>? DescribeOutputs(AmazonEbsSourceConfig config) =>
        config.Region is null
            ? null
            : ["ami", "region", .. config.AmiRegions.Prepend(config.Region).Distinct().SelectMany(r => (string[])[$"ami.{r}", $"snapshots.{r}"])];

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
        yield return $"with verify checks: a verify EC2 instance ({config.InstanceType}) launched from the AMI, with its own temporary key pair";
    }
}
