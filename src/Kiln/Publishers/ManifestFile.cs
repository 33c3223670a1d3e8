using System.Text.Json;
using System.Text.Json.Nodes;
using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Publishers;

/// <summary>
/// The manifest on disk, Packer's shape: <c>{"builds": [...], "last_run_uuid": "..."}</c>. Appends happen under a
/// lock file and land with a rename, so parallel builds never lose each other's entries and readers never see half
/// a file. Fields Kiln does not know (written by Packer or by hand) are kept as they are.
/// </summary>
internal static class ManifestFile
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task AppendAsync(
        string path, IReadOnlyList<JsonObject> builds, string runId, TimeSpan lockTimeout, ILedger ledger, CancellationToken cancellationToken)
    {
        using (await FileLock.AcquireAsync(path + ".lock", lockTimeout, cancellationToken))
        {
            var document = await ReadAsync(path, cancellationToken) ?? new JsonObject { ["builds"] = new JsonArray() };
            var array = (JsonArray)document["builds"]!;
            foreach (var build in builds)
            {
                array.Add(build);
            }

            document["last_run_uuid"] = runId;
            var bytes = JsonSerializer.SerializeToUtf8Bytes(document, Indented);
            await PartialFile.WriteAsync(path, ledger, (s, ct) => s.WriteAsync(bytes, ct).AsTask(), cancellationToken);
        }
    }

    /// <summary>The manifest, or null when there is none yet. A rename only ever replaces it whole, so no lock is needed to read.</summary>
    public static async Task<JsonObject?> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return null;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes);
        }
        catch (JsonException ex)
        {
            throw new KilnException(
                $"{path}: not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}): {ex.Message}",
                "fix or delete the manifest; Kiln appends to it and will not overwrite what it cannot read");
        }

        if (node is not JsonObject document || document["builds"] is not (JsonArray or null))
        {
            throw new KilnException(
                $"{path}: not a manifest: expected an object with a `builds` array",
                "point the manifest publisher's `output` at a new file, or delete this one");
        }

        document["builds"] ??= new JsonArray();
        return document;
    }
}
