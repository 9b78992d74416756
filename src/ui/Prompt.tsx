// The command line: "› text" with a block cursor, scrolled sideways so the cursor stays in view,
// and one dim hint line under it (completion candidates, or what the prompt is doing).
import { memo } from 'react';
import { Box, Text } from 'ink';

export interface PromptProps {
  text: string;
  cursor: number;
  width: number;
  hint?: string;
  /** Shown instead of the editable line (e.g. while leaving the mesh). */
  status?: string;
}

const PREFIX = '› ';

/** The slice of `text` to draw so the cursor cell fits in `room` columns. */
export function visibleWindow(text: string, cursor: number, room: number): { start: number; end: number } {
  const cells = text.length + 1;
  if (cells <= room) return { start: 0, end: text.length };
  const start = Math.max(0, Math.min(cursor - room + 1, text.length + 1 - room));
  return { start, end: Math.min(text.length, start + room) };
}

export const Prompt = memo(function Prompt({ text, cursor, width, hint, status }: PromptProps) {
  if (status !== undefined) {
    return <Text color="yellow" wrap="truncate-end">{status}</Text>;
  }
  const room = Math.max(1, width - PREFIX.length);
  const { start, end } = visibleWindow(text, cursor, room);
  const before = text.slice(start, cursor);
  const at = text[cursor] ?? ' ';
  const after = text.slice(cursor + 1, end);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text color="cyan" bold>{PREFIX}</Text>
        {before}
        <Text inverse>{at}</Text>
        {after}
      </Text>
      <Text dimColor wrap="truncate-end">{hint ?? ' '}</Text>
    </Box>
  );
});
