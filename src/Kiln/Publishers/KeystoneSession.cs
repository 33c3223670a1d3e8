using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Kiln.Diagnostics;

namespace Kiln.Publishers;

/// <summary>A Keystone v3 token scoped to one project, and the image (Glance) endpoint its catalog names.</summary>
internal sealed record KeystoneSession(string Token, Uri ImageEndpoint)
{
    public static async Task<KeystoneSession> AuthenticateAsync(HttpClient http, OpenStackCredentials credentials, CancellationToken cancellationToken)
    {
        var project = credentials.ProjectId is { } id
            ? new JsonObject { ["id"] = id }
            : new JsonObject { ["name"] = credentials.ProjectName, ["domain"] = new JsonObject { ["name"] = credentials.ProjectDomainName } };
        var body = new JsonObject
        {
            ["auth"] = new JsonObject
            {
                ["identity"] = new JsonObject
                {
                    ["methods"] = new JsonArray("password"),
                    ["password"] = new JsonObject
                    {
                        ["user"] = new JsonObject
                        {
                            ["name"] = credentials.Username,
                            ["domain"] = new JsonObject { ["name"] = credentials.UserDomainName },
                            ["password"] = credentials.Password,
                        },
                    },
                },
                ["scope"] = new JsonObject { ["project"] = project },
            },
        };

        using var response = await http.PostAsJsonAsync(TokensUrl(credentials.AuthUrl), body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await OpenStackApiException.FromAsync("Keystone", response, cancellationToken);
        }

        var token = response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.FirstOrDefault() : null;
        var json = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken);
        if (string.IsNullOrEmpty(token) || json?["token"]?["catalog"] is not JsonArray catalog)
        {
            throw new KilnException($"openstack-image: {credentials.AuthUrl} answered without a token or catalog", "check that auth_url / OS_AUTH_URL is Keystone's v3 identity endpoint");
        }

        return new KeystoneSession(token, FindImageEndpoint(catalog, credentials));
    }

    /// <summary>OS_AUTH_URL is written with or without its /v3.</summary>
    internal static Uri TokensUrl(string authUrl)
    {
        var root = authUrl.TrimEnd('/');
        return new Uri((root.EndsWith("/v3", StringComparison.Ordinal) ? root : root + "/v3") + "/auth/tokens");
    }

    private static Uri FindImageEndpoint(JsonArray catalog, OpenStackCredentials credentials)
    {
        var endpoints = catalog
            .Where(s => (string?)s?["type"] == "image")
            .SelectMany(s => s?["endpoints"] as JsonArray ?? [])
            .Where(e => (string?)e?["interface"] == credentials.Interface)
            .ToList();
        var endpoint = credentials.Region is { } region
            ? endpoints.FirstOrDefault(e => (string?)e?["region_id"] == region || (string?)e?["region"] == region)
            : endpoints.FirstOrDefault();
        if (endpoint?["url"] is not { } url)
        {
            var regions = string.Join(", ", endpoints.Select(e => (string?)e?["region_id"] ?? (string?)e?["region"]).Distinct());
            throw new KilnException(
                $"openstack-image: the service catalog has no {credentials.Interface} image endpoint{(credentials.Region is null ? "" : $" in region {credentials.Region}")}",
                regions.Length == 0 ? "the project has no Glance service, or the interface (OS_INTERFACE) is wrong" : $"image endpoints exist in: {regions}; set OS_REGION_NAME or region");
        }

        // Catalogs list Glance with or without its version; requests add /v2 themselves.
        var text = url.ToString().TrimEnd('/');
        return new Uri((text.EndsWith("/v2", StringComparison.Ordinal) ? text[..^3] : text) + "/");
    }
}
