using Amazon.EC2.Model;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Turns the AMIs into the build's artifact: marks them (and their snapshots) complete so neither cleanup nor a
/// leftover search removes them, and records the Packer-shaped artifact id with per-region outputs.
/// </summary>
internal sealed class CommitArtifactStep : IStep<AmazonEbsState>
{
    public const string CompleteTag = "kiln:artifact";

    public string Name => "record the AMI artifact";

    public Stage Stage => Stage.Capture;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var ec2 = state.Ec2;
        var images = ValidateAwsStep.TargetRegions(state).Select(r => (Region: r, Image: state.Images[r])).ToList();
        foreach (var (region, image) in images)
        {
            var resources = new List<string> { image };
            resources.AddRange(state.Snapshots.GetValueOrDefault(region) ?? []);
            await ec2.CallAsync(region, "CreateTags", (c, t) => c.CreateTagsAsync(new CreateTagsRequest
            {
                Resources = resources,
                Tags = [new Tag(CompleteTag, "true")],
            }, t), cancellationToken);
        }

        var outputs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ami"] = state.Images[ec2.Region],
            ["region"] = ec2.Region,
        };
        var custom = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ami_name"] = state.Config.AmiName,
            ["source_ami"] = state.SourceImage!.ImageId,
        };
        foreach (var (region, image) in images)
        {
            outputs[$"ami.{region}"] = image;
            var snapshots = string.Join(",", state.Snapshots.GetValueOrDefault(region) ?? []);
            outputs[$"snapshots.{region}"] = snapshots;
            custom[$"snapshots.{region}"] = snapshots;
        }

        state.Artifacts.Add(new Artifact
        {
            BuilderType = AmazonEbsBuilder.TypeName,
            Id = string.Join(",", images.Select(i => $"{i.Region}:{i.Image}")),
            Outputs = outputs,
            CustomData = custom,
        });
        state.ImagesCommitted = true;
        state.Context.Log.Info($"AMI ready: {string.Join(", ", images.Select(i => $"{i.Region}:{i.Image}"))}");
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
