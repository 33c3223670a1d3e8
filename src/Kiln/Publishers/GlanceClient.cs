using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace Kiln.Publishers;

/// <summary>The calls of Glance's image API v2 the publisher makes, each with the Keystone token.</summary>
internal sealed class GlanceClient(HttpClient http, KeystoneSession session)
{
    public async Task<JsonNode> CreateAsync(JsonObject image, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, "v2/images", JsonContent.Create(image), cancellationToken) ?? new JsonObject();

    /// <summary>PUT .../file (direct upload) or .../stage (the import path's first half); the body streams from <paramref name="data"/>.</summary>
    public async Task PutDataAsync(string id, string target, Stream data, long length, CancellationToken cancellationToken)
    {
        var content = new StreamContent(data, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = length;
        await SendAsync(HttpMethod.Put, $"v2/images/{id}/{target}", content, cancellationToken);
    }

    public Task ImportAsync(string id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, $"v2/images/{id}/import", JsonContent.Create(new JsonObject { ["method"] = new JsonObject { ["name"] = "glance-direct" } }), cancellationToken);

    /// <summary>A JSON patch in the media type Glance requires for image updates.</summary>
    public Task PatchAsync(string id, JsonArray operations, CancellationToken cancellationToken)
    {
        var content = new StringContent(operations.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/openstack-images-v2.1-json-patch");
        return SendAsync(HttpMethod.Patch, $"v2/images/{id}", content, cancellationToken);
    }

    public async Task<JsonNode> GetAsync(string id, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Get, $"v2/images/{id}", null, cancellationToken) ?? new JsonObject();

    /// <summary>Deletes the image; one that is already gone counts as deleted.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(HttpMethod.Delete, $"v2/images/{id}", null, cancellationToken);
        }
        catch (OpenStackApiException ex) when (ex.Status == HttpStatusCode.NotFound)
        {
        }
    }

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(session.ImageEndpoint, path)) { Content = content };
        request.Headers.Add("X-Auth-Token", session.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await OpenStackApiException.FromAsync("Glance", response, cancellationToken);
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body);
    }
}
