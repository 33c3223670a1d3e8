using System.Net;
using System.Security.Cryptography;
using Amazon.EC2;
using Amazon.EC2.Model;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Builders.Amazon.Steps;

/// <summary>
/// A temporary security group that admits SSH from <c>ssh_cidrs</c> only, by default this host's public /32.
/// When that address cannot be learned it falls back to the VPC's own CIDR blocks, never to 0.0.0.0/0: a build
/// that then cannot connect fails with a hint, where an open group would have exposed the instance silently.
/// </summary>
internal sealed class SecurityGroupStep(Func<HttpClient>? httpClientFactory = null) : IStep<AmazonEbsState>
{
    private ILedgerEntry? _entry;

    public string Name => "create temporary security group";

    public Stage Stage => Stage.Boot;

    public async Task RunAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var config = state.Config;
        var context = state.Context;
        if (config.SecurityGroupIds.Count > 0)
        {
            state.SecurityGroupIds = config.SecurityGroupIds;
            return;
        }

        var cidrs = config.SshCidrs.Count > 0 ? config.SshCidrs : await DefaultCidrsAsync(state, cancellationToken);
        state.SshCidrs = cidrs;

        var ec2 = state.Ec2;
        var name = $"kiln-{KeyPairStep.Short(context.RunId)}-{RandomNumberGenerator.GetHexString(8, lowercase: true)}";
        _entry = await context.Ledger.RecordAsync(ec2.Resource(Ec2ResourceKinds.SecurityGroup, name, null, (Ec2ResourceKinds.NameKey, name), (Ec2ResourceKinds.VpcKey, state.VpcId!)), cancellationToken);
        var created = await ec2.CallAsync("CreateSecurityGroup", (c, t) => c.CreateSecurityGroupAsync(new CreateSecurityGroupRequest
        {
            GroupName = name,
            Description = $"Kiln build {context.BuildName}: SSH from {string.Join(", ", cidrs)}",
            VpcId = state.VpcId,
            TagSpecifications = [ec2.TagSpecification(ResourceType.SecurityGroup, ec2.Tags(config.RunTags, name))],
        }, t), cancellationToken);
        await _entry.UpdateAsync(ec2.Resource(Ec2ResourceKinds.SecurityGroup, created.GroupId, null, (Ec2ResourceKinds.NameKey, name), (Ec2ResourceKinds.VpcKey, state.VpcId!)), cancellationToken);
        state.SecurityGroupIds = [created.GroupId];

        await ec2.CallAsync("AuthorizeSecurityGroupIngress", (c, t) => c.AuthorizeSecurityGroupIngressAsync(new AuthorizeSecurityGroupIngressRequest
        {
            GroupId = created.GroupId,
            IpPermissions =
            [
                new IpPermission
                {
                    IpProtocol = "tcp",
                    FromPort = config.SshPort,
                    ToPort = config.SshPort,
                    Ipv4Ranges = [.. cidrs.Select(cidr => new IpRange { CidrIp = cidr, Description = "Kiln SSH" })],
                },
            ],
        }, t), cancellationToken);
        context.Log.Info($"temporary security group {created.GroupId} admits SSH (tcp/{config.SshPort}) from {string.Join(", ", cidrs)}");
    }

    public async Task CleanupAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        if (_entry is null || state.Ec2Session is not { } ec2)
        {
            return;
        }

        var id = _entry.Resource.Id;
        if (!id.StartsWith("sg-", StringComparison.Ordinal))
        {
            // CreateSecurityGroup's answer never came: find the group by its name, if it was created at all.
            var found = await ec2.CallAsync("DescribeSecurityGroups", (c, t) => c.DescribeSecurityGroupsAsync(new DescribeSecurityGroupsRequest
            {
                Filters = [new Filter("group-name", [id]), new Filter("vpc-id", [state.VpcId!])],
            }, t), cancellationToken);
            id = found.SecurityGroups?.FirstOrDefault()?.GroupId ?? "";
        }

        if (id.Length > 0)
        {
            var waits = state.Config.Waits;
            await Ec2Cleanup.DeleteSecurityGroupAsync(ec2, ec2.Region, id, waits.SecurityGroupDelete, waits.PollInterval, cancellationToken);
            state.Context.Log.Info($"deleted temporary security group {id}");
        }

        await _entry.ReleaseAsync(cancellationToken);
        _entry = null;
    }

    private async Task<IReadOnlyList<string>> DefaultCidrsAsync(AmazonEbsState state, CancellationToken cancellationToken)
    {
        var log = state.Context.Log;
        var url = state.Config.CheckIpUrl;
        try
        {
            using var http = httpClientFactory?.Invoke() ?? new HttpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var text = (await http.GetStringAsync(new Uri(url), timeout.Token)).Trim();
            if (IPAddress.TryParse(text, out var address))
            {
                var cidr = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? $"{address}/32" : $"{address}/128";
                log.Info($"this host's public address is {address} (from {url})");
                return [cidr];
            }

            log.Warn($"{url} answered '{Truncate(text)}', which is not an IP address.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            log.Warn($"could not learn this host's public address from {url}: {ex.Message}");
        }

        log.Warn($"SSH is admitted only from the VPC's own range ({string.Join(", ", state.VpcCidrs)}), never from anywhere. " +
                 "If Kiln runs outside that VPC, set ssh_cidrs to this host's address (e.g. 203.0.113.7/32), or set check_ip_url.");
        return state.VpcCidrs;
    }

    private static string Truncate(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
