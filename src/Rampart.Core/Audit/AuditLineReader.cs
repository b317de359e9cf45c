using Microsoft.Win32.SafeHandles;

namespace Rampart.Core.Audit;

/// <summary>One physical line of a JSONL file: 1-based number, byte offset, bytes without the LF.</summary>
internal readonly record struct AuditLine(int Number, long Offset, ReadOnlyMemory<byte> Bytes, bool IsTerminated)
{
    /// <summary>Length on disk including the LF.</summary>
    public long SizeOnDisk => Bytes.Length + (IsTerminated ? 1 : 0);

    /// <summary>Empty or only JSON whitespace.</summary>
    public bool IsBlank
    {
        get
        {
            foreach (var b in Bytes.Span)
                if (b != ' ' && b != '\t' && b != '\r' && b != '\n') return false;
            return true;
        }
    }
}

/// <summary>
/// Streams the lines of a file with their offsets. A line longer than the 2 MiB record limit is an
/// error (AUD-070, AUD-090) — the buffer never grows beyond it. The bytes of a returned line are
/// valid until the next call.
/// </summary>
internal sealed class AuditLineReader
{
    readonly SafeFileHandle _handle;
    readonly string _name;
    readonly long _end;
    byte[] _buf = new byte[64 * 1024];
    int _start, _count;
    long _bufOffset; // file offset of _buf[0]
    long _fileOffset; // next file offset to read
    int _lineNumber;

    /// <param name="linesBefore">Lines already read before <paramref name="startOffset"/>, so that numbers
    /// stay those of the whole file when a follower resumes mid-file (AUD-090).</param>
    public AuditLineReader(SafeFileHandle handle, string name, long startOffset = 0, long endOffset = long.MaxValue, int linesBefore = 0)
    {
        _handle = handle;
        _lineNumber = linesBefore;
        _name = name;
        _fileOffset = startOffset;
        _bufOffset = startOffset;
        _end = endOffset;
    }

    public bool TryRead(out AuditLine line)
    {
        while (true)
        {
            var span = _buf.AsSpan(_start, _count);
            var nl = span.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                if (nl > AuditCompaction.MaxRecordBytes) throw TooLong();
                line = new AuditLine(++_lineNumber, _bufOffset + _start, _buf.AsMemory(_start, nl), true);
                _start += nl + 1;
                _count -= nl + 1;
                return true;
            }
            if (_count > AuditCompaction.MaxRecordBytes) throw TooLong();
            if (!Fill())
            {
                if (_count == 0)
                {
                    line = default;
                    return false;
                }
                line = new AuditLine(++_lineNumber, _bufOffset + _start, _buf.AsMemory(_start, _count), false);
                _start += _count;
                _count = 0;
                return true;
            }
        }
    }

    bool Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buf, _start, _buf, 0, _count);
            _bufOffset += _start;
            _start = 0;
        }
        if (_count == _buf.Length)
        {
            var bigger = new byte[Math.Min(_buf.Length * 2, AuditCompaction.MaxRecordBytes + 2)];
            Buffer.BlockCopy(_buf, 0, bigger, 0, _count);
            _buf = bigger;
        }
        var room = _buf.Length - _count;
        if (_end - _fileOffset < room) room = (int)Math.Max(0, _end - _fileOffset);
        if (room == 0) return false;
        var n = RandomAccess.Read(_handle, _buf.AsSpan(_count, room), _fileOffset);
        if (n == 0) return false;
        _count += n;
        _fileOffset += n;
        return true;
    }

    AuditChainException TooLong() =>
        new($"read {_name} line {_lineNumber + 1}: audit record exceeds {AuditCompaction.MaxRecordBytes} bytes", _name, _lineNumber + 1);
}
