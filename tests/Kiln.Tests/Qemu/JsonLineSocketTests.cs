using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Kiln.Builders.Qemu;

namespace Kiln.Tests.Qemu;

public sealed class JsonLineSocketTests : IAsyncLifetime
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"kiln-jls-{Guid.NewGuid():N}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly List<JsonObject> _seen = [];
    private Socket? _peer;
    private NetworkStream? _peerStream;
    private JsonLineSocket? _lines;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(1);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_lines is not null)
        {
            await _lines.DisposeAsync();
        }

        if (_peerStream is not null)
        {
            await _peerStream.DisposeAsync();
        }

        _peer?.Dispose();
        _listener.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public async Task Queues_the_objects_the_protocol_calls_replies_and_drops_the_rest()
    {
        var lines = await ConnectAsync(message => message.ContainsKey("return") || message.ContainsKey("error"), skipMalformedLines: true);

        await PeerWritesAsync("{\"QMP\":{}}\n\n[1]\n   \n{\"event\":\"STOP\"}\n{\"return\":1}\r\n{\"error\":{\"desc\":\"no\"}}\n");

        Assert.Equal(1, (await lines.ReadReplyAsync(Token))["return"]!.GetValue<int>());
        Assert.Equal("no", (await lines.ReadReplyAsync(Token))["error"]!["desc"]!.GetValue<string>());
        Assert.Equal(["{\"QMP\":{}}", "{\"event\":\"STOP\"}", "{\"return\":1}", "{\"error\":{\"desc\":\"no\"}}"], _seen.Select(m => m.ToJsonString()));
    }

    [Fact]
    public async Task A_0xFF_byte_discards_the_line_so_far_and_a_line_may_arrive_in_pieces()
    {
        // not skipping malformed lines, so a half line that was kept would end the conversation instead of hanging
        var lines = await ConnectAsync(_ => true, skipMalformedLines: false);

        await PeerWritesAsync([.. "{\"return\":"u8, 0xFF, .. "{\"ret"u8]);
        await PeerWritesAsync("urn\":2}\n");

        Assert.Equal(2, (await lines.ReadReplyAsync(Token))["return"]!.GetValue<int>());
    }

    [Fact]
    public async Task Skips_a_line_that_is_not_json_when_told_to()
    {
        var lines = await ConnectAsync(_ => true, skipMalformedLines: true);

        await PeerWritesAsync("urn\":1}\n{\"return\":2}\n");

        Assert.Equal(2, (await lines.ReadReplyAsync(Token))["return"]!.GetValue<int>());
        Assert.False(lines.Completion.IsCompleted);
    }

    [Fact]
    public async Task Otherwise_a_line_that_is_not_json_ends_the_conversation()
    {
        var lines = await ConnectAsync(_ => true, skipMalformedLines: false);

        await PeerWritesAsync("urn\":1}\n{\"return\":2}\n");

        await Assert.ThrowsAsync<ChannelClosedException>(async () => await lines.ReadReplyAsync(Token));
        await lines.Completion.WaitAsync(Token);
    }

    [Fact]
    public async Task Replies_queued_before_the_peer_closed_are_still_read_then_reading_fails()
    {
        var lines = await ConnectAsync(_ => true, skipMalformedLines: true);

        await PeerWritesAsync("{\"return\":1}\n");
        _peer!.Shutdown(SocketShutdown.Both);

        Assert.Equal(1, (await lines.ReadReplyAsync(Token))["return"]!.GetValue<int>());
        await Assert.ThrowsAsync<ChannelClosedException>(async () => await lines.ReadReplyAsync(Token));
        Assert.True(lines.Completion.IsCompleted);
    }

    [Fact]
    public async Task Writes_one_command_a_line_with_arguments_only_when_given()
    {
        var lines = await ConnectAsync(_ => true, skipMalformedLines: true);

        await lines.SendCommandAsync("qmp_capabilities", null, Token);
        await lines.SendAsync([0xFF], Token);
        await lines.SendCommandAsync("guest-sync-delimited", new JsonObject { ["id"] = 7 }, Token);

        Assert.Equal("{\"execute\":\"qmp_capabilities\"}", await PeerReadsLineAsync());
        Assert.Equal(0xFF, await PeerReadsByteAsync());
        Assert.Equal("{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":7}}", await PeerReadsLineAsync());
    }

    [Fact]
    public async Task Disposing_ends_a_pending_read_and_the_read_loop()
    {
        var lines = await ConnectAsync(_ => true, skipMalformedLines: true);
        var pending = lines.ReadReplyAsync(Token).AsTask();

        _lines = null;
        await lines.DisposeAsync();

        await Assert.ThrowsAsync<ChannelClosedException>(() => pending);
        Assert.True(lines.Completion.IsCompleted);
    }

    [Fact]
    public async Task Connecting_where_nothing_listens_throws()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"kiln-jls-{Guid.NewGuid():N}.sock");
        await Assert.ThrowsAsync<SocketException>(() => JsonLineSocket.ConnectAsync(missing, Token));
    }

    private async Task<JsonLineSocket> ConnectAsync(Func<JsonObject, bool> isReply, bool skipMalformedLines)
    {
        var accept = _listener.AcceptAsync(Token).AsTask();
        var socket = await JsonLineSocket.ConnectAsync(_path, Token);
        _peer = await accept;
        _peerStream = new NetworkStream(_peer, ownsSocket: false);
        _lines = new JsonLineSocket(
            socket,
            message =>
            {
                _seen.Add(message);
                return isReply(message);
            },
            skipMalformedLines);
        return _lines;
    }

    private Task PeerWritesAsync(string text) => PeerWritesAsync(Encoding.UTF8.GetBytes(text));

    private async Task PeerWritesAsync(byte[] bytes)
    {
        await _peerStream!.WriteAsync(bytes, Token);
        await _peerStream.FlushAsync(Token);
    }

    private async Task<int> PeerReadsByteAsync()
    {
        var one = new byte[1];
        await _peerStream!.ReadExactlyAsync(one, Token);
        return one[0];
    }

    private async Task<string> PeerReadsLineAsync()
    {
        var line = new List<byte>();
        while (await PeerReadsByteAsync() is var b && b != '\n')
        {
            line.Add((byte)b);
        }

        return Encoding.UTF8.GetString([.. line]);
    }
}
