using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>Finds the AMI to launch, by id or by filter, and refuses one that cannot be built from.</summary>
internal sealed class SourceAmiStep : IStep<AmazonEbsState>
{
    public string Name => "find the source AMI";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var ec2 = state.Ec2;
        Image image;
        if (config.SourceAmi is { } id)
        {
            image = await Ec2Cleanup.DescribeImageAsync(ec2, ec2.Region, id, cancellationToken)
                ?? throw new KilnException($"Source AMI {id} was not found in {ec2.Region}.", "AMI ids are per region; check source_ami and region.");
        }
        else
        {
            var filter = config.SourceAmiFilter!;
            var response = await ec2.CallAsync("DescribeImages", (c, t) => c.DescribeImagesAsync(new DescribeImagesRequest
            {
                Owners = filter.Owners.Count > 0 ? [.. filter.Owners] : null,
                Filters = [.. filter.Filters.Select(f => new Filter(f.Key, [f.Value]))],
            }, t), cancellationToken);
            var matches = (response.Images ?? []).OrderByDescending(i => i.CreationDate, StringComparer.Ordinal).ToList();
            var described = $"filters {string.Join(", ", filter.Filters.Select(f => $"{f.Key}={f.Value}"))}" +
                (filter.Owners.Count > 0 ? $" and owners {string.Join(", ", filter.Owners)}" : " and any owner");
            image = matches switch
            {
                [] => throw new KilnException($"No AMI in {ec2.Region} matches source_ami_filter ({described}).",
                    "Check the filter values (wildcards are * and ?) and owners; AMIs are per region."),
                [var only] => only,
                [var newest, ..] when filter.MostRecent => newest,
                _ => throw new KilnException(
                    $"{matches.Count} AMIs in {ec2.Region} match source_ami_filter ({described}), e.g. {string.Join(", ", matches.Take(3).Select(i => $"{i.ImageId} '{i.Name}'"))}.",
                    "Narrow the filters, or set most_recent: true to take the newest."),
            };
            if (filter.Owners.Count == 0)
            {
                state.Context.Log.Warn("source_ami_filter has no owners: any account's AMI that matches can be launched. Set owners to the publisher's account id.");
            }
        }

        if (image.State != ImageState.Available)
        {
            throw new KilnException($"Source AMI {image.ImageId} is {image.State}, not available.");
        }

        if (image.RootDeviceType != DeviceType.Ebs)
        {
            throw new KilnException($"Source AMI {image.ImageId} has an {image.RootDeviceType} root device; amazon-ebs needs an EBS-backed AMI.");
        }

        state.SourceImage = image;
        state.Context.Log.Info($"source AMI: {image.ImageId} '{image.Name}' ({image.CreationDate})");
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
