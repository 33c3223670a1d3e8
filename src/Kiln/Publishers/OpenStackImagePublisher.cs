using System.Net;
using System.Text.Json.Nodes;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

/// <summary>
/// Uploads the first qcow2 or raw disk of the inputs to Glance: create (queued, private), upload the data (or stage
/// and import it), wait until active, then set properties and visibility. The image is in the ledger from before its
/// creation until it is complete, so a failure, a dropped upload or Ctrl-C deletes it, and a killed run's sweep does.
/// Its artifact (builder type "openstack-image", id the image id) has outputs <c>image_id</c>, <c>image_name</c>,
/// <c>region</c> and <c>visibility</c>.
/// </summary>
internal sealed class OpenStackImagePublisher : Publisher<OpenStackImageConfig>
{
    public const string LedgerKind = "openstack-image";

    private readonly Func<string, string?> _environment;
    private readonly Func<HttpClient> _httpClient;

    public OpenStackImagePublisher()
        : this(Environment.GetEnvironmentVariable, () => new HttpClient { Timeout = Timeout.InfiniteTimeSpan })
    {
    }

    internal OpenStackImagePublisher(Func<string, string?> environment, Func<HttpClient> httpClient)
    {
        _environment = environment;
        _httpClient = httpClient;
    }

    public override string Type => "openstack-image";

    internal TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        OpenStackImageConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var context = state.Context;
        var (disk, diskFormat) = FindInput(inputs);
        var credentials = OpenStackCredentials.Resolve(config, null, _environment, OpenStackCredentials.CloudsYamlPaths(_environment));
        context.Redactor.Add(credentials.Password);

        using var http = _httpClient();
        var session = await Call(context, credentials, () => KeystoneSession.AuthenticateAsync(http, credentials, cancellationToken));
        context.Redactor.Add(session.Token);
        var glance = new GlanceClient(http, session);

        var id = Guid.NewGuid().ToString();
        var entry = await context.Ledger.RecordAsync(LedgerEntry(id, credentials), cancellationToken);
        var complete = false;
        try
        {
            await Call(context, credentials, () => glance.CreateAsync(NewImage(id, config, diskFormat), cancellationToken));
            context.Log.Info($"openstack-image: created image {id} ({config.ImageName}), uploading {Path.GetFileName(disk)}");
            await Call(context, credentials, () => UploadAsync(context, glance, id, disk, config.UseImport, cancellationToken));
            var image = await Call(context, credentials, () => WaitUntilActiveAsync(glance, id, config.ActiveTimeout, cancellationToken));
            await Call(context, credentials, () => glance.PatchAsync(id, Patch(config), cancellationToken));
            complete = true;
            context.Log.Info($"openstack-image: image {id} is active ({image["size"]} bytes), {ConfigModel.SnakeCase(config.Visibility.ToString())}");
            return
            [
                new Artifact
                {
                    BuilderType = Type,
                    Id = id,
                    Outputs = new Dictionary<string, string>
                    {
                        ["image_id"] = id,
                        ["image_name"] = config.ImageName,
                        ["region"] = credentials.Region ?? "",
                        ["visibility"] = ConfigModel.SnakeCase(config.Visibility.ToString()),
                    },
                },
            ];
        }
        finally
        {
            if (!complete)
            {
                await DeleteHalfImageAsync(context, glance, id);
            }

            await entry.ReleaseAsync(CancellationToken.None);
        }
    }

    internal static LedgerResource LedgerEntry(string id, OpenStackCredentials credentials) => new(
        LedgerKind,
        id,
        new Dictionary<string, string>
        {
            ["auth_url"] = credentials.AuthUrl,
            ["cloud"] = credentials.Cloud ?? "",
            ["region"] = credentials.Region ?? "",
            ["project"] = credentials.ProjectName ?? credentials.ProjectId ?? "",
        });

    private static JsonObject NewImage(string id, OpenStackImageConfig config, string diskFormat)
    {
        var image = new JsonObject
        {
            ["id"] = id,
            ["name"] = config.ImageName,
            ["disk_format"] = diskFormat,
            ["container_format"] = "bare",
            ["visibility"] = "private",
            ["tags"] = new JsonArray([.. config.Tags.Select(t => JsonValue.Create(t))]),
        };
        if (config.MinDisk is { } minDisk)
        {
            image["min_disk"] = minDisk;
        }

        if (config.MinRam is { } minRam)
        {
            image["min_ram"] = minRam;
        }

        return image;
    }

    private static JsonArray Patch(OpenStackImageConfig config)
    {
        var operations = new JsonArray();
        foreach (var (key, value) in config.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/" + key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal), ["value"] = value });
        }

        operations.Add(new JsonObject { ["op"] = "replace", ["path"] = "/visibility", ["value"] = ConfigModel.SnakeCase(config.Visibility.ToString()) });
        return operations;
    }

    private static async Task<JsonNode> UploadAsync(BuildContext context, GlanceClient glance, string id, string disk, bool useImport, CancellationToken cancellationToken)
    {
        await using (var file = StreamCopy.OpenRead(disk))
        {
            using var progress = context.Progress.Start($"upload {Path.GetFileName(disk)} to glance", file.Length);
            await using var body = new ProgressReadStream(file, progress);
            await glance.PutDataAsync(id, useImport ? "stage" : "file", body, file.Length, cancellationToken);
        }

        if (useImport)
        {
            await glance.ImportAsync(id, cancellationToken);
        }

        return new JsonObject();
    }

    private async Task<JsonNode> WaitUntilActiveAsync(GlanceClient glance, string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var image = await glance.GetAsync(id, cancellationToken);
            var status = (string?)image["status"];
            switch (status)
            {
                case "active":
                    return image;
                case "killed" or "deleted" or "pending_delete" or "deactivated":
                    throw new KilnException($"openstack-image: Glance put image {id} in status {status} after the upload", "Glance's log says why (for an import, the task's message: openstack image task list)");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new KilnException($"openstack-image: image {id} is still {status} after {timeout}", "raise active_timeout; imports convert and copy in the background");
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Runs even when the build is cancelled: a queued or half-written image must not stay behind.</summary>
    private static async Task DeleteHalfImageAsync(BuildContext context, GlanceClient glance, string id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await glance.DeleteAsync(id, timeout.Token);
            context.Log.Info($"openstack-image: deleted the incomplete image {id}");
        }
        catch (Exception ex) when (ex is OpenStackApiException or HttpRequestException or OperationCanceledException)
        {
            context.Log.Warn(context.Redactor.Redact($"openstack-image: could not delete the incomplete image {id}: {ex.Message}; ./build.sh SweepImages retries"));
        }
    }

    private static (string Disk, string Format) FindInput(IReadOnlyList<Artifact> inputs)
    {
        var files = inputs.SelectMany(a => a.Files).Select(f => Path.GetFullPath(f.Path)).Where(File.Exists).ToList();
        foreach (var file in files)
        {
            if (DiskImage.IsQcow2(file))
            {
                return (file, "qcow2");
            }

            if (file.EndsWith(".raw", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".img", StringComparison.OrdinalIgnoreCase))
            {
                return (file, "raw");
            }
        }

        throw new KilnException(
            $"openstack-image: none of the input files is a qcow2 or raw disk: {(files.Count == 0 ? "no files" : string.Join(", ", files))}",
            "put openstack-image right after a qemu source with qcow2 or raw in its formats");
    }

    /// <summary>Turns the APIs' failures into messages that say what to change; the token and password never appear.</summary>
    private static async Task<T> Call<T>(BuildContext context, OpenStackCredentials credentials, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (OpenStackApiException ex)
        {
            var (message, hint) = (ex.Service, ex.Status) switch
            {
                ("Keystone", HttpStatusCode.Unauthorized) => (
                    $"Keystone at {credentials.AuthUrl} rejected the credentials of {credentials.Username} (401: {ex.Message})",
                    "check OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME and the domains (OS_USER_DOMAIN_NAME, OS_PROJECT_DOMAIN_NAME)"),
                (_, HttpStatusCode.Unauthorized) => ($"{ex.Service} rejected the token (401: {ex.Message})", "the token expired or was revoked; run the publish again"),
                (_, HttpStatusCode.Forbidden) => ($"{ex.Service} refused (403: {ex.Message})", "the user's role may not do this; public images usually need an admin (try visibility: shared or community)"),
                (_, HttpStatusCode.Conflict) => ($"Glance answered 409 Conflict: {ex.Message}", "the image changed state under us (another client, or an id that exists); run the publish again"),
                (_, HttpStatusCode.RequestEntityTooLarge) => (
                    $"Glance refused the image data as too large (413: {ex.Message})",
                    "the disk exceeds Glance's image_size_cap or the project's image storage quota; compress the qcow2 (compress_qcow2: true) or ask for a larger quota"),
                _ => ($"{ex.Service} answered {(int)ex.Status} {ex.Status}: {ex.Message}", "retry later, or check the cloud's status"),
            };
            throw new KilnException(context.Redactor.Redact("openstack-image: " + message), context.Redactor.Redact(hint));
        }
        catch (HttpRequestException ex)
        {
            throw new KilnException(
                context.Redactor.Redact($"openstack-image: the connection to OpenStack broke: {ex.Message}"),
                "check auth_url / OS_AUTH_URL and the network; a broken upload is deleted, so running the publish again is safe");
        }
    }

    private static async Task Call(BuildContext context, OpenStackCredentials credentials, Func<Task> call) =>
        await Call(context, credentials, async () =>
        {
            await call();
            return 0;
        });
}
