using System.ComponentModel;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Docker.DotNet;
using Kiln.Definitions;
using Kiln.Diagnostics;
using Kiln.Docker;
using Kiln.Engine;
using Kiln.Model;

namespace Kiln.Publishers;

[Description("Exports the built image as an OCI image layout directory (for skopeo, umoci, podman, crane, registries).")]
internal sealed class DockerOciConfig : PublisherConfig
{
    [Description("The layout directory. Defaults to <output>/<image>.<source>.oci; relative paths are relative to the definition file.")]
    public string? Path { get; init; }

    [Description("The reference name in index.json (oci:<dir>:<tag>). Defaults to the image's first tag's tag.")]
    public string? Tag { get; init; }

    [Description("Gzip the layers (what registries serve). Off stores them as plain tar, faster to write.")]
    public bool Compress { get; init; } = true;
}

/// <summary>
/// Converts the engine's <c>docker save</c> stream into an OCI image layout in-process: the layers and the config
/// are the same bytes, only the manifest and index are written anew, so no external tool is needed.
/// </summary>
internal sealed class DockerOciPublisher : Publisher<DockerOciConfig>
{
    private const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public override string Type => "docker-oci";

    protected override async Task<IReadOnlyList<Artifact>> PublishAsync(
        DockerOciConfig config, BuildState state, IReadOnlyList<Artifact> inputs, CancellationToken cancellationToken)
    {
        var results = new List<Artifact>();
        foreach (var image in DockerPublishing.DockerInputs(inputs, Type))
        {
            var path = DockerPublishing.OutputPath(state, config.Path, $"{state.Context.BuildName}.oci");
            var tags = DockerPublishing.Tags(image);
            var refName = config.Tag ?? (tags.Count > 0 ? ImageReference.Parse(tags[0]).TagOrLatest : "latest");
            var imageId = image.CustomData["image_id"];
            using var engine = DockerPublishing.Engine(state, image);
            var manifestDigest = await ExportAsync(engine.Client, state, imageId, path, refName, config.Compress, cancellationToken);
            state.Context.Log.Info($"exported {imageId} as OCI layout {path}:{refName} ({manifestDigest})");
            results.Add(new Artifact
            {
                BuilderType = "docker",
                Id = $"{path}:{refName}",
                Files = [.. Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Select(f => new ArtifactFile(f, new FileInfo(f).Length))],
                Outputs = new Dictionary<string, string>
                {
                    ["path"] = path,
                    ["reference"] = $"oci:{path}:{refName}",
                    ["digest"] = manifestDigest,
                    ["image_id"] = imageId,
                },
                CustomData = new Dictionary<string, string>
                {
                    ["image_id"] = imageId,
                    ["digest"] = manifestDigest,
                    ["ref_name"] = refName,
                    ["tags"] = string.Join(",", tags),
                },
            });
        }

        return results;
    }

    private static async Task<string> ExportAsync(
        IDockerClient client, BuildState state, string imageId, string path, string refName, bool compress, CancellationToken cancellationToken)
    {
        var parent = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(parent);
        var partial = System.IO.Path.Combine(parent, $".{System.IO.Path.GetFileName(path)}.{Guid.NewGuid():N}.partial");
        var blobs = Directory.CreateDirectory(System.IO.Path.Combine(partial, "blobs", "sha256")).FullName;
        try
        {
            using var task = state.Context.Progress.Start($"exporting {DockerNames.Short(imageId)} as OCI");
            var files = new Dictionary<string, (string TempPath, string Digest, long Size)>(StringComparer.Ordinal);
            byte[]? saveManifest = null;
            try
            {
                await using var saved = new EngineResponseStream(await client.Images.SaveImageAsync(imageId, cancellationToken));
                await using var reader = new TarReader(saved);
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                {
                    if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                    {
                        continue;
                    }

                    if (entry.Name == "manifest.json")
                    {
                        using var memory = new MemoryStream();
                        await entry.DataStream.CopyToAsync(memory, cancellationToken);
                        saveManifest = memory.ToArray();
                        continue;
                    }

                    // Layers, the config, and files an OCI layout does not need; which is which, manifest.json says at the end.
                    var temp = System.IO.Path.Combine(partial, $"entry-{files.Count}");
                    files[entry.Name] = await WriteHashedAsync(entry.DataStream, temp, compress: false, task, cancellationToken);
                }
            }
            catch (DockerApiException ex)
            {
                throw DockerEngine.Explain(ex, $"save {imageId}");
            }

            var manifestEntry = JsonNode.Parse(saveManifest ?? throw new KilnException($"The engine's save of {imageId} has no manifest.json."))!.AsArray()[0]!;
            var config = Blob(files, manifestEntry["Config"]!.GetValue<string>(), blobs);
            var layers = new JsonArray();
            foreach (var layerName in manifestEntry["Layers"]!.AsArray().Select(l => l!.GetValue<string>()))
            {
                var (tempPath, digest, size) = files[layerName];
                if (compress)
                {
                    await using var raw = File.OpenRead(tempPath);
                    (tempPath, digest, size) = await WriteHashedAsync(raw, tempPath + ".gz", compress: true, task, cancellationToken);
                }

                MoveBlob(tempPath, digest, blobs);
                layers.Add(Descriptor(compress ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar", digest, size));
            }

            var manifest = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestMediaType,
                ["config"] = Descriptor(ConfigMediaType, config.Digest, config.Size),
                ["layers"] = layers,
            };
            var manifestBytes = JsonSerializer.SerializeToUtf8Bytes(manifest);
            var manifestDigest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifestBytes));
            await File.WriteAllBytesAsync(System.IO.Path.Combine(blobs, manifestDigest[7..]), manifestBytes, cancellationToken);

            var index = new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.index.v1+json",
                ["manifests"] = new JsonArray(new JsonObject
                {
                    ["mediaType"] = ManifestMediaType,
                    ["digest"] = manifestDigest,
                    ["size"] = manifestBytes.Length,
                    ["annotations"] = new JsonObject { [RefNameAnnotation] = refName },
                }),
            };
            await File.WriteAllBytesAsync(System.IO.Path.Combine(partial, "index.json"), JsonSerializer.SerializeToUtf8Bytes(index), cancellationToken);
            await File.WriteAllTextAsync(System.IO.Path.Combine(partial, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
            foreach (var leftover in Directory.EnumerateFiles(partial, "entry-*"))
            {
                File.Delete(leftover);
            }

            Replace(partial, path);
            return manifestDigest;
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }
    }

    private static (string Digest, long Size) Blob(Dictionary<string, (string TempPath, string Digest, long Size)> files, string name, string blobs)
    {
        var (tempPath, digest, size) = files[name];
        MoveBlob(tempPath, digest, blobs);
        return (digest, size);
    }

    private static void MoveBlob(string tempPath, string digest, string blobs)
    {
        var target = System.IO.Path.Combine(blobs, digest[7..]);
        if (File.Exists(target))
        {
            File.Delete(tempPath);
        }
        else
        {
            File.Move(tempPath, target);
        }
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static async Task<(string Path, string Digest, long Size)> WriteHashedAsync(
        Stream source, string path, bool compress, IProgressTask task, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var hashing = new HashingWriteStream(file, hash))
        await using (Stream sink = compress ? new GZipStream(hashing, CompressionLevel.Fastest, leaveOpen: true) : hashing)
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await sink.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                task.Advance(read);
            }
        }

        return (path, "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset()), file.Length);
    }

    /// <summary>Moves the finished layout into place; an older layout at the same path is removed only after.</summary>
    private static void Replace(string partial, string path)
    {
        string? old = null;
        if (Directory.Exists(path))
        {
            old = $"{path}.{Guid.NewGuid():N}.old";
            Directory.Move(path, old);
        }

        Directory.Move(partial, path);
        if (old is not null)
        {
            Directory.Delete(old, recursive: true);
        }
    }

    private sealed class HashingWriteStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
