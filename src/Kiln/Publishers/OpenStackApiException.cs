using System.Net;

namespace Kiln.Publishers;

/// <summary>An OpenStack API answered with an error status; <see cref="Exception.Message"/> is the service's own explanation.</summary>
internal sealed class OpenStackApiException(string service, HttpStatusCode status, string message) : Exception(message)
{
    public string Service { get; } = service;

    public HttpStatusCode Status { get; } = status;

    public static async Task<OpenStackApiException> FromAsync(string service, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new OpenStackApiException(service, response.StatusCode, Explanation(body) ?? response.ReasonPhrase ?? response.StatusCode.ToString());
    }

    /// <summary>Keystone answers {"error": {"message"}}, Glance {"title", "message"} or a webob HTML page; its explanation is kept.</summary>
    private static string? Explanation(string body)
    {
        try
        {
            var json = System.Text.Json.Nodes.JsonNode.Parse(body);
            var message = json?["error"]?["message"] ?? json?["message"] ?? json?["title"];
            if (message is not null)
            {
                return message.ToString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        // webob's page repeats "409 Conflict" in its title and heading; the explanation is the line after them.
        var lines = System.Text.RegularExpressions.Regex.Replace(body, "<[^>]+>", "\n")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = lines.FirstOrDefault(l => !System.Text.RegularExpressions.Regex.IsMatch(l, @"^\d{3}\b")) ?? lines.FirstOrDefault();
        return line is null ? null : line[..Math.Min(line.Length, 300)];
    }
}
