/* vm: a register-machine bytecode interpreter with switch dispatch,
 * running a Collatz program for every start value below `n`. Branchy code:
 * an indirect jump (br_table in wasm) per virtual instruction. */
#include "bench.h"

enum {
    OP_LOADI, /* r[a] = imm */
    OP_MOV,   /* r[a] = r[b] */
    OP_ADD,   /* r[a] = r[b] + r[c] */
    OP_ADDI,  /* r[a] = r[b] + imm */
    OP_MULI,  /* r[a] = r[b] * imm */
    OP_ANDI,  /* r[a] = r[b] & imm */
    OP_SHRI,  /* r[a] = r[b] >> imm */
    OP_XOR,   /* r[a] = r[b] ^ r[c] */
    OP_JMP,   /* pc = imm */
    OP_JZ,    /* if r[a] == 0 pc = imm */
    OP_JEQI,  /* if r[a] == c pc = imm (c is a small constant) */
    OP_JLT,   /* if r[a] < r[b] pc = imm */
    OP_HALT,
};

typedef struct {
    uint8_t op, a, b, c;
    int32_t imm;
} insn_t;

static int64_t execute(const insn_t *code, int64_t *r) {
    uint32_t pc = 0;
    for (;;) {
        const insn_t *i = &code[pc++];
        switch (i->op) {
        case OP_LOADI: r[i->a] = i->imm; break;
        case OP_MOV: r[i->a] = r[i->b]; break;
        case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
        case OP_ADDI: r[i->a] = r[i->b] + i->imm; break;
        case OP_MULI: r[i->a] = r[i->b] * i->imm; break;
        case OP_ANDI: r[i->a] = r[i->b] & i->imm; break;
        case OP_SHRI: r[i->a] = (int64_t)((uint64_t)r[i->b] >> i->imm); break;
        case OP_XOR: r[i->a] = r[i->b] ^ r[i->c]; break;
        case OP_JMP: pc = (uint32_t)i->imm; break;
        case OP_JZ: if (r[i->a] == 0) pc = (uint32_t)i->imm; break;
        case OP_JEQI: if (r[i->a] == (int64_t)i->c) pc = (uint32_t)i->imm; break;
        case OP_JLT: if (r[i->a] < r[i->b]) pc = (uint32_t)i->imm; break;
        case OP_HALT: return r[0];
        default: return -1;
        }
    }
}

int64_t run(int32_t n) {
    /* r0 = i, r1 = n, r2 = total steps, r3 = x, r4 = tmp, r5 = hash.
     * Sum of Collatz sequence lengths for every start value 1 <= i < n. */
    const insn_t code[] = {
        /*  0         */ {OP_LOADI, 0, 0, 0, 1},
        /*  1         */ {OP_LOADI, 2, 0, 0, 0},
        /*  2         */ {OP_LOADI, 5, 0, 0, 7},
        /*  3 loop_i: */ {OP_MOV, 3, 0, 0, 0},
        /*  4 loop_x: */ {OP_JEQI, 3, 0, 1, 13},  /* x == 1 -> done_x */
        /*  5         */ {OP_ANDI, 4, 3, 0, 1},
        /*  6         */ {OP_JZ, 4, 0, 0, 10},    /* even -> 10 */
        /*  7         */ {OP_MULI, 3, 3, 0, 3},
        /*  8         */ {OP_ADDI, 3, 3, 0, 1},
        /*  9         */ {OP_JMP, 0, 0, 0, 11},
        /* 10 even:   */ {OP_SHRI, 3, 3, 0, 1},
        /* 11 next:   */ {OP_ADDI, 2, 2, 0, 1},
        /* 12         */ {OP_JMP, 0, 0, 0, 4},
        /* 13 done_x: */ {OP_XOR, 5, 5, 2, 0},
        /* 14         */ {OP_MULI, 5, 5, 0, 31},
        /* 15         */ {OP_ADDI, 0, 0, 0, 1},
        /* 16         */ {OP_JLT, 0, 1, 0, 3},    /* i < n -> loop_i */
        /* 17         */ {OP_XOR, 0, 5, 2, 0},
        /* 18         */ {OP_HALT, 0, 0, 0, 0},
    };
    int64_t regs[8] = {0};
    regs[1] = n;
    return execute(code, regs);
}
