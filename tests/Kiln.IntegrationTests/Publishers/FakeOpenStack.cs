using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Kiln.IntegrationTests.Publishers;

public enum GlanceUploadFault
{
    None,

    /// <summary>409, as Glance answers a data upload to an image that is no longer queued.</summary>
    Conflict,

    /// <summary>413, as Glance answers data beyond image_size_cap or the storage quota, after reading part of it.</summary>
    TooLarge,

    /// <summary>The connection is cut after half the data, as when a proxy or the network drops it.</summary>
    Drop,

    /// <summary>The upload never completes, so the test can cancel it midway.</summary>
    Stall,
}

/// <summary>
/// Keystone v3 and Glance v2 on 127.0.0.1 in devstack's layout (/identity, /image), speaking their documented wire
/// protocol: password authentication with X-Subject-Token and a service catalog, images created queued with a
/// client-chosen id, data through PUT .../file or .../stage plus the glance-direct import, JSON-patch updates in
/// application/openstack-images-v2.1-json-patch, and both services' error bodies.
/// </summary>
internal sealed class FakeOpenStack : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, FakeGlanceImage> _images = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);

    private FakeHttpServer? _server;

    public string BaseUrl => _server!.BaseUrl;

    public string AuthUrl => BaseUrl + "identity";

    public string Username { get; set; } = "demo";

    public string Password { get; set; } = "s3cret-pa55";

    public string Project { get; set; } = "demo";

    public string Region { get; set; } = "RegionOne";

    public GlanceUploadFault UploadFault { get; set; }

    /// <summary>Set when a stalled upload has started, so a test knows when to cancel.</summary>
    public TaskCompletionSource UploadStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> AuthenticatedProjects { get; } = new();

    public IReadOnlyList<FakeGlanceImage> Images
    {
        get
        {
            lock (_gate)
            {
                return [.. _images.Values];
            }
        }
    }

    public static async Task<FakeOpenStack> StartAsync(CancellationToken cancellationToken)
    {
        var fake = new FakeOpenStack();
        fake._server = await FakeHttpServer.StartAsync(fake.Map, cancellationToken);
        return fake;
    }

    public FakeGlanceImage AddImage(string id, string status = "queued")
    {
        lock (_gate)
        {
            var image = new FakeGlanceImage(id) { Name = id, Status = status };
            _images[id] = image;
            return image;
        }
    }

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;

    private static IResult KeystoneError(int status, string title, string message) =>
        Results.Json(new JsonObject { ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["title"] = title } }, statusCode: status);

    /// <summary>Glance (webob) answers errors as a short HTML page with the status and explanation.</summary>
    private static IResult GlanceError(int status, string title, string explanation) =>
        Results.Content($"<html>\n <head>\n  <title>{status} {title}</title>\n </head>\n <body>\n  <h1>{status} {title}</h1>\n  {explanation}<br /><br />\n\n\n\n </body>\n</html>", "text/html; charset=UTF-8", statusCode: status);

    private void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            if (context.Request.Path.StartsWithSegments("/image"))
            {
                bool known;
                lock (_gate)
                {
                    known = _tokens.Contains(context.Request.Headers["X-Auth-Token"].ToString());
                }

                if (!known)
                {
                    await GlanceError(401, "Unauthorized", "This server could not verify that you are authorized to access the document you requested.").ExecuteAsync(context);
                    return;
                }
            }

            await next(context);
        });

        app.MapPost("/identity/v3/auth/tokens", async (HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            var user = body?["auth"]?["identity"]?["password"]?["user"];
            var project = body?["auth"]?["scope"]?["project"];
            if ((string?)user?["name"] != Username || (string?)user?["password"] != Password || (string?)user?["domain"]?["name"] != "Default")
            {
                return KeystoneError(401, "Unauthorized", "The request you have made requires authentication.");
            }

            if ((string?)project?["name"] != Project || (string?)project?["domain"]?["name"] != "Default")
            {
                return KeystoneError(401, "Unauthorized", "The request you have made requires authentication.");
            }

            var token = "gAAAAAB" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            lock (_gate)
            {
                _tokens.Add(token);
            }

            AuthenticatedProjects.Enqueue(Project);
            context.Response.Headers["X-Subject-Token"] = token;
            var endpoint = (string iface, string url) => new JsonObject { ["id"] = Guid.NewGuid().ToString("N"), ["interface"] = iface, ["region_id"] = Region, ["region"] = Region, ["url"] = url };
            return Results.Json(
                new JsonObject
                {
                    ["token"] = new JsonObject
                    {
                        ["methods"] = new JsonArray("password"),
                        ["expires_at"] = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ss.000000Z"),
                        ["project"] = new JsonObject { ["name"] = Project, ["id"] = "p-" + Project },
                        ["catalog"] = new JsonArray(
                            new JsonObject { ["type"] = "identity", ["name"] = "keystone", ["endpoints"] = new JsonArray(endpoint("public", AuthUrl)) },
                            new JsonObject { ["type"] = "image", ["name"] = "glance", ["endpoints"] = new JsonArray(endpoint("public", BaseUrl + "image"), endpoint("internal", "http://10.0.0.1:9292")) }),
                    },
                },
                statusCode: 201);
        });

        app.MapPost("/image/v2/images", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var id = (string?)body["id"] ?? Guid.NewGuid().ToString();
            lock (_gate)
            {
                if (_images.ContainsKey(id))
                {
                    return GlanceError(409, "Conflict", $"Image with identifier {id} already exists!");
                }

                var image = new FakeGlanceImage(id)
                {
                    Name = (string?)body["name"] ?? "",
                    DiskFormat = (string?)body["disk_format"],
                    ContainerFormat = (string?)body["container_format"],
                    Visibility = (string?)body["visibility"] ?? "shared",
                    MinDisk = (int?)body["min_disk"] ?? 0,
                    MinRam = (int?)body["min_ram"] ?? 0,
                };
                image.Tags.AddRange((body["tags"] as JsonArray ?? []).Select(t => (string)t!));
                _images[id] = image;
                return Results.Json(image.Json(), statusCode: 201);
            }
        });

        app.MapPut("/image/v2/images/{id}/file", (string id, HttpContext context) => ReceiveAsync(id, context, staging: false));
        app.MapPut("/image/v2/images/{id}/stage", (string id, HttpContext context) => ReceiveAsync(id, context, staging: true));

        app.MapPost("/image/v2/images/{id}/import", async (string id, HttpContext context) =>
        {
            var body = await JsonNode.ParseAsync(context.Request.Body);
            lock (_gate)
            {
                if (!_images.TryGetValue(id, out var image))
                {
                    return GlanceError(404, "Not Found", $"No image found with ID {id}");
                }

                if ((string?)body?["method"]?["name"] != "glance-direct" || image.Status != "uploading")
                {
                    return GlanceError(409, "Conflict", $"Image status {image.Status} is not valid for glance-direct import");
                }

                // The import task runs in the background: the image answers "importing" once before it is active.
                image.Status = "importing";
                return Results.StatusCode(202);
            }
        });

        app.MapMethods("/image/v2/images/{id}", ["PATCH"], async (string id, HttpContext context) =>
        {
            if (context.Request.ContentType != "application/openstack-images-v2.1-json-patch" && context.Request.ContentType?.StartsWith("application/openstack-images-v2.1-json-patch;", StringComparison.Ordinal) != true)
            {
                return GlanceError(415, "Unsupported Media Type", "Unsupported Content-Type");
            }

            var operations = (await JsonNode.ParseAsync(context.Request.Body))!.AsArray();
            lock (_gate)
            {
                if (!_images.TryGetValue(id, out var image))
                {
                    return GlanceError(404, "Not Found", $"No image found with ID {id}");
                }

                foreach (var operation in operations)
                {
                    var path = ((string)operation!["path"]!).TrimStart('/');
                    var op = (string?)operation["op"];
                    if (op is not ("add" or "replace"))
                    {
                        return GlanceError(400, "Bad Request", $"Operation {op} not supported");
                    }

                    if (path == "visibility")
                    {
                        image.Visibility = (string)operation["value"]!;
                    }
                    else
                    {
                        image.Properties[path] = (string)operation["value"]!;
                    }

                    image.Changes.Add($"{op} {path} while {image.Status}");
                }

                return Results.Json(image.Json());
            }
        });

        app.MapGet("/image/v2/images/{id}", (string id) =>
        {
            lock (_gate)
            {
                if (!_images.TryGetValue(id, out var image))
                {
                    return GlanceError(404, "Not Found", $"No image found with ID {id}");
                }

                var json = image.Json();
                if (image.Status == "importing")
                {
                    image.Status = "active";
                }

                return Results.Json(json);
            }
        });

        app.MapDelete("/image/v2/images/{id}", (string id) =>
        {
            lock (_gate)
            {
                return _images.Remove(id) ? Results.StatusCode(204) : GlanceError(404, "Not Found", $"Failed to find image {id} to delete");
            }
        });
    }

    private async Task<IResult> ReceiveAsync(string id, HttpContext context, bool staging)
    {
        FakeGlanceImage? image;
        lock (_gate)
        {
            if (!_images.TryGetValue(id, out image))
            {
                return GlanceError(404, "Not Found", $"No image found with ID {id}");
            }

            if (UploadFault == GlanceUploadFault.Conflict || image.Status != "queued")
            {
                return GlanceError(409, "Conflict", $"Image status transition from {image.Status} to saving is not allowed");
            }

            image.Status = staging ? "uploading" : "saving";
        }

        var length = context.Request.ContentLength ?? 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long received = 0;
        try
        {
            while (true)
            {
                if (UploadFault == GlanceUploadFault.Stall && received > 0)
                {
                    UploadStarted.TrySetResult();
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                }

                if (UploadFault == GlanceUploadFault.TooLarge && received >= length / 4)
                {
                    return GlanceError(413, "Request Entity Too Large", "Image exceeds the storage quota: The size of the data 4194304 will exceed the limit. 1048576 bytes remaining.");
                }

                if (UploadFault == GlanceUploadFault.Drop && received >= length / 2)
                {
                    context.Abort();
                    return Results.Empty;
                }

                var read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted);
                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                received += read;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            return Results.Empty;
        }

        lock (_gate)
        {
            image.Size = received;
            image.Sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            image.Status = staging ? "uploading" : "active";
            image.Changes.Add($"data {received} bytes");
        }

        return Results.StatusCode(204);
    }
}

internal sealed class FakeGlanceImage(string id)
{
    public string Id { get; } = id;

    public string Name { get; set; } = "";

    public string Status { get; set; } = "queued";

    public string? DiskFormat { get; set; }

    public string? ContainerFormat { get; set; }

    public string Visibility { get; set; } = "shared";

    public int MinDisk { get; set; }

    public int MinRam { get; set; }

    public long? Size { get; set; }

    public string? Sha256 { get; set; }

    public List<string> Tags { get; } = [];

    public Dictionary<string, string> Properties { get; } = new(StringComparer.Ordinal);

    /// <summary>Data and metadata changes in the order they arrived, with the status at the time.</summary>
    public List<string> Changes { get; } = [];

    public JsonObject Json()
    {
        var json = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["status"] = Status,
            ["disk_format"] = DiskFormat,
            ["container_format"] = ContainerFormat,
            ["visibility"] = Visibility,
            ["size"] = Size,
            ["min_disk"] = MinDisk,
            ["min_ram"] = MinRam,
            ["protected"] = false,
            ["os_hash_algo"] = Sha256 is null ? null : "sha256",
            ["os_hash_value"] = Sha256,
            ["tags"] = new JsonArray([.. Tags.Select(t => JsonValue.Create(t))]),
            ["self"] = $"/v2/images/{Id}",
            ["file"] = $"/v2/images/{Id}/file",
            ["schema"] = "/v2/schemas/image",
        };
        foreach (var (key, value) in Properties)
        {
            json[key] = value;
        }

        return json;
    }
}
