using Kiln.Engine;
using Kiln.Ledger;

namespace Kiln.Publishers;

/// <summary>
/// Deletes a Glance image a killed run left incomplete. The ledger record names the cloud and Keystone URL, never
/// the password: credentials come again from the OS_* variables or the clouds.yaml entry, as for the publish.
/// </summary>
internal sealed class OpenStackImageSweeper : IResourceSweeper
{
    private readonly Func<string, string?> _environment;
    private readonly Func<HttpClient> _httpClient;

    public OpenStackImageSweeper()
        : this(Environment.GetEnvironmentVariable, () => new HttpClient())
    {
    }

    internal OpenStackImageSweeper(Func<string, string?> environment, Func<HttpClient> httpClient)
    {
        _environment = environment;
        _httpClient = httpClient;
    }

    public string Kind => OpenStackImagePublisher.LedgerKind;

    public async Task SweepAsync(LedgerResource resource, CancellationToken cancellationToken)
    {
        var cloud = resource.Data.GetValueOrDefault("cloud") is { Length: > 0 } named ? named : null;
        var recorded = new OpenStackImageConfig
        {
            ImageName = resource.Id,
            AuthUrl = resource.Data.GetValueOrDefault("auth_url") is { Length: > 0 } url ? url : null,
            Region = resource.Data.GetValueOrDefault("region") is { Length: > 0 } region ? region : null,
        };
        var credentials = OpenStackCredentials.Resolve(recorded, cloud, _environment, OpenStackCredentials.CloudsYamlPaths(_environment));
        using var http = _httpClient();
        var session = await KeystoneSession.AuthenticateAsync(http, credentials, cancellationToken);
        await new GlanceClient(http, session).DeleteAsync(resource.Id, cancellationToken);
    }
}
