using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// Resolves credentials and region, opens the EC2 session, and checks what can fail cheaply before anything
/// is created: the regions exist for this account and the AMI name is free in each of them.
/// </summary>
internal sealed class ValidateAwsStep : IStep<AmazonEbsState>
{
    public string Name => "validate AWS credentials, region and AMI name";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        var region = Ec2Clients.ResolveRegion(config.Region, config.Profile);
        var location = new Ec2Location(region, config.Profile, config.Endpoint);
        var log = context.Log;
        state.Ec2Session = new Ec2Session(
            Ec2Clients.Create(location),
            location,
            new Ec2Call(log, config.MaxRetries, config.Waits.RetryBaseDelay),
            new Ec2Waiter(log, context.Progress, config.Waits.PollInterval),
            context.RunId);
        var ec2 = state.Ec2;

        var regions = await ec2.CallAsync("DescribeRegions", (c, t) => c.DescribeRegionsAsync(new DescribeRegionsRequest(), t), cancellationToken);
        var known = (regions.Regions ?? []).Select(r => r.RegionName).ToHashSet(StringComparer.Ordinal);
        foreach (var wanted in TargetRegions(state))
        {
            if (!known.Contains(wanted))
            {
                throw new KilnException(
                    $"Region '{wanted}' is not enabled for this account (enabled: {string.Join(", ", known.Order(StringComparer.Ordinal))}).",
                    wanted == region ? "Check region: (or AWS_REGION)." : "Check ami_regions: or enable the region in the account.");
            }
        }

        if (config.ForceDeregister)
        {
            return;
        }

        foreach (var wanted in TargetRegions(state))
        {
            var existing = await ec2.CallAsync(wanted, "DescribeImages", (c, t) => c.DescribeImagesAsync(new DescribeImagesRequest
            {
                Owners = ["self"],
                Filters = [new Filter("name", [config.AmiName])],
            }, t), cancellationToken);
            if (existing.Images is [var image, ..])
            {
                throw new KilnException(
                    $"An AMI named '{config.AmiName}' already exists in {wanted} ({image.ImageId}).",
                    "Give ami_name a unique value (e.g. with a timestamp variable), or set force_deregister: true to replace it.");
            }
        }
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        state.Ec2Session?.Dispose();
        state.Ec2Session = null;
        return Task.CompletedTask;
    }

    internal static IEnumerable<string> TargetRegions(AmazonEbsState state) =>
        new[] { state.Ec2.Region }.Concat(state.Config.AmiRegions).Distinct(StringComparer.Ordinal);
}
