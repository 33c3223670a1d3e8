using System.Collections.Concurrent;
using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using Kiln.Diagnostics;

namespace Kiln.Builders.Amazon;

/// <summary>
/// One EC2 client per region, sharing credentials resolved once through the SDK's standard chain (or a named
/// profile). With a custom endpoint every region talks to that URL and signs with its own region, which is how
/// an EC2-compatible service (or a test double) tells regions apart.
/// </summary>
internal sealed class Ec2Clients : IDisposable
{
    private readonly ConcurrentDictionary<string, IAmazonEC2> _clients = new(StringComparer.Ordinal);
    private readonly AWSCredentials _credentials;
    private readonly string? _endpoint;

    private Ec2Clients(AWSCredentials credentials, string? endpoint)
    {
        _credentials = credentials;
        _endpoint = endpoint;
    }

    public static Ec2Clients Create(string? profile, string? endpoint) => new(ResolveCredentials(profile), endpoint);

    public static Ec2Clients Create(Ec2Location location) => Create(location.Profile, location.Endpoint);

    public IAmazonEC2 For(string region) => _clients.GetOrAdd(region, CreateClient);

    /// <summary>The region from config, else the profile's, else the SDK's chain (AWS_REGION, AWS_DEFAULT_REGION, config file, IMDS).</summary>
    public static string ResolveRegion(string? configured, string? profile)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (profile is not null && new CredentialProfileStoreChain().TryGetProfile(profile, out var found) && found.Region is not null)
        {
            return found.Region.SystemName;
        }

        RegionEndpoint? fallback = null;
        try
        {
            fallback = FallbackRegionFactory.GetRegionEndpoint();
        }
        catch (AmazonClientException)
        {
        }

        return fallback?.SystemName
            ?? throw new KilnException(
                "No AWS region is set for this amazon-ebs source.",
                "Set region: in the source, or AWS_REGION in the environment, or a region in the profile.");
    }

    private static AWSCredentials ResolveCredentials(string? profile)
    {
        if (profile is not null)
        {
            return new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)
                ? fromProfile
                : throw new KilnException(
                    $"AWS profile '{profile}' was not found or has no usable credentials.",
                    "Check ~/.aws/credentials and ~/.aws/config (or AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE), or remove profile: to use the standard chain.");
        }

        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        }
        catch (AmazonClientException ex)
        {
            throw new KilnException(
                "No AWS credentials were found.",
                "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE / profile:, or run on an instance with a role.",
                ex);
        }
    }

    private AmazonEC2Client CreateClient(string region)
    {
        var config = new AmazonEC2Config
        {
            // Retries are Kiln's (Ec2Call), so each one is a line the user sees rather than silent SDK backoff.
            MaxErrorRetry = 0,
            RetryMode = RequestRetryMode.Standard,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (_endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = _endpoint;
            config.AuthenticationRegion = region;
        }

        return new AmazonEC2Client(_credentials, config);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        _clients.Clear();
    }
}
