using Amazon.EC2.Model;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>Chooses the subnet and VPC: the configured ones, or a default subnet of the (default) VPC.</summary>
internal sealed class NetworkStep : IStep<AmazonEbsState>
{
    public string Name => "choose VPC and subnet";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var ec2 = state.Ec2;
        Subnet subnet;
        if (config.SubnetId is { } subnetId)
        {
            subnet = (await DescribeSubnetsAsync(ec2, new DescribeSubnetsRequest { SubnetIds = [subnetId] }, cancellationToken)).FirstOrDefault()
                ?? throw new KilnException($"Subnet {subnetId} was not found in {ec2.Region}.", "Check subnet_id and region.");
            if (config.VpcId is { } vpc && vpc != subnet.VpcId)
            {
                throw new KilnException($"Subnet {subnetId} is in {subnet.VpcId}, not in vpc_id {vpc}.", "Give a subnet of that VPC, or drop vpc_id.");
            }
        }
        else
        {
            var vpcId = config.VpcId ?? await DefaultVpcAsync(ec2, cancellationToken);
            var subnets = await DescribeSubnetsAsync(ec2, new DescribeSubnetsRequest { Filters = [new Filter("vpc-id", [vpcId]), new Filter("state", ["available"])] }, cancellationToken);
            subnet = subnets
                .OrderByDescending(s => s.DefaultForAz == true)
                .ThenByDescending(s => s.AvailableIpAddressCount ?? 0)
                .ThenBy(s => s.SubnetId, StringComparer.Ordinal)
                .FirstOrDefault()
                ?? throw new KilnException($"VPC {vpcId} has no available subnet in {ec2.Region}.", "Create a subnet, or give subnet_id.");
        }

        var vpcs = await ec2.CallAsync("DescribeVpcs", (c, t) => c.DescribeVpcsAsync(new DescribeVpcsRequest { VpcIds = [subnet.VpcId] }, t), cancellationToken);
        state.VpcId = subnet.VpcId;
        state.SubnetId = subnet.SubnetId;
        state.VpcCidrs = [.. (vpcs.Vpcs ?? []).SelectMany(v => (v.CidrBlockAssociationSet ?? []).Select(a => a.CidrBlock).Append(v.CidrBlock)).OfType<string>().Distinct(StringComparer.Ordinal)];
        state.Context.Log.Info($"network: {subnet.SubnetId} in {subnet.VpcId} ({subnet.AvailabilityZone})");
    }

    public Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<string> DefaultVpcAsync(Ec2Session ec2, CancellationToken cancellationToken)
    {
        var vpcs = await ec2.CallAsync("DescribeVpcs", (c, t) => c.DescribeVpcsAsync(new DescribeVpcsRequest { Filters = [new Filter("is-default", ["true"])] }, t), cancellationToken);
        return vpcs.Vpcs?.FirstOrDefault()?.VpcId
            ?? throw new KilnException($"{ec2.Region} has no default VPC.", "Give vpc_id or subnet_id.");
    }

    private static async Task<List<Subnet>> DescribeSubnetsAsync(Ec2Session ec2, DescribeSubnetsRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await ec2.CallAsync("DescribeSubnets", (c, t) => c.DescribeSubnetsAsync(request, t), cancellationToken);
            return response.Subnets ?? [];
        }
        catch (Ec2CallException ex) when (ex.IsNotFound)
        {
            return [];
        }
    }
}
