/** camscope's version, recorded in every result file. Kept equal to package.json's (a test checks). */
export const VERSION = '0.1.0';
